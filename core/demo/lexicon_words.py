"""The demo lexicon's vocabulary in en/es/de: nouns, adjectives, nationalities, verbs, closed-class
words, dates, numbers and clauses, in the compact notation `lexicon.py` documents and parses: every
translation on one line, so a reader can check it."""

# en es:gender de:gender category; categories: bld doc thing contest (verb objects), actor, role,
# people, word (used in fixed phrases). A German noun without `/plural` is never pluralised.
NOUNS = """
factory/factories fábrica:f Fabrik/Fabriken:f bld;hotel hotel:m Hotel/Hotels:n bld
stadium estadio:m Stadion/Stadien:n bld;school escuela:f Schule/Schulen:f bld
hospital hospital:m Krankenhaus/Krankenhäuser:n bld;bridge puente:m Brücke/Brücken:f bld
airport aeropuerto:m Flughafen/Flughäfen:m bld;station estación:f Bahnhof/Bahnhöfe:m bld
museum museo:m Museum/Museen:n bld;shop tienda:f Geschäft/Geschäfte:n bld
office oficina:f Büro/Büros:n bld;plant planta:f Werk/Werke:n bld
church iglesia:f Kirche/Kirchen:f bld;library/libraries biblioteca:f Bibliothek/Bibliotheken:f bld
house casa:f Haus/Häuser:n bld;restaurant restaurante:m Restaurant/Restaurants:n bld
building edificio:m Gebäude/Gebäude:n bld;port puerto:m Hafen/Häfen:m bld
mine mina:f Bergwerk/Bergwerke:n bld;road carretera:f Straße/Straßen:f bld
university/universities universidad:f Universität/Universitäten:f bld
theatre teatro:m Theater/Theater:n bld;prison prisión:f Gefängnis/Gefängnisse:n bld
agreement acuerdo:m Abkommen/Abkommen:n doc;contract contrato:m Vertrag/Verträge:m doc
report informe:m Bericht/Berichte:m doc;law ley:f Gesetz/Gesetze:n doc
plan plan:m Plan/Pläne:m doc;budget presupuesto:m Haushalt/Haushalte:m doc
proposal propuesta:f Vorschlag/Vorschläge:m doc;treaty/treaties tratado:m Vertrag/Verträge:m doc
reform reforma:f Reform/Reformen:f doc;strategy/strategies estrategia:f Strategie/Strategien:f doc
letter carta:f Brief/Briefe:m doc;study/studies estudio:m Studie/Studien:f doc
programme programa:m Programm/Programme:n doc;offer oferta:f Angebot/Angebote:n doc
decision decisión:f Entscheidung/Entscheidungen:f doc
statement declaración:f Erklärung/Erklärungen:f doc
car coche:m Auto/Autos:n thing;train tren:m Zug/Züge:m thing
ship barco:m Schiff/Schiffe:n thing;plane avión:m Flugzeug/Flugzeuge:n thing
computer ordenador:m Computer/Computer:m thing;phone teléfono:m Telefon/Telefone:n thing
book libro:m Buch/Bücher:n thing;film película:f Film/Filme:m thing
newspaper periódico:m Zeitung/Zeitungen:f thing;machine máquina:f Maschine/Maschinen:f thing
medicine medicamento:m Medikament/Medikamente:n thing;system sistema:m System/Systeme:n thing
product producto:m Produkt/Produkte:n thing;network red:f Netz/Netze:n thing
title título:m Titel/Titel:m contest;match/matches partido:m Spiel/Spiele:n contest
election elección:f Wahl/Wahlen:f contest;race carrera:f Rennen/Rennen:n contest
tournament torneo:m Turnier/Turniere:n contest;final final:f Finale/Finale:n contest
company/companies empresa:f Unternehmen/Unternehmen:n actor;government gobierno:m Regierung:f actor
police policía:f Polizei:f actor;army/armies ejército:m Armee:f actor
court tribunal:m Gericht:n actor;party/parties partido:m Partei:f actor
team equipo:m Mannschaft:f actor;union sindicato:m Gewerkschaft:f actor
ministry/ministries ministerio:m Ministerium:n actor;council consejo:m Rat:m actor
committee comité:m Ausschuss:m actor;agency/agencies agencia:f Agentur:f actor
bank banco:m Bank/Banken:f actor
president presidente:m Präsident:m role;minister ministro:m Minister:m role
spokesman/spokesmen portavoz:m Sprecher:m role;director director:m Direktor:m role
chief jefe:m Chef:m role;coach/coaches entrenador:m Trainer:m role
judge juez:m Richter:m role;mayor alcalde:m Bürgermeister:m role
chancellor canciller:m Kanzler:m role;ambassador embajador:m Botschafter:m role
tourist turista:m Tourist/Touristen:m people;soldier soldado:m Soldat/Soldaten:m people
student estudiante:m Student/Studenten:m people;worker trabajador:m Arbeiter/Arbeiter:m people
journalist periodista:m Journalist/Journalisten:m people;fan aficionado:m Fan/Fans:m people
player jugador:m Spieler/Spieler:m people;doctor médico:m Arzt/Ärzte:m people
lawyer abogado:m Anwalt/Anwälte:m people;pilgrim peregrino:m Pilger/Pilger:m people
price precio:m Preis/Preise:m word;profit beneficio:m Gewinn/Gewinne:m word
market mercado:m Markt/Märkte:m word;tax/taxes impuesto:m Steuer/Steuern:f word
share acción:f Aktie/Aktien:f word;job empleo:m Arbeitsplatz/Arbeitsplätze:m word
talk negociación:f Gespräch/Gespräche:n word;situation situación:f Lage/Lagen:f word
economy/economies economía:f Wirtschaft:f word;inflation inflación:f Inflation:f word
mistake error:m Fehler/Fehler:m word;border frontera:f Grenze/Grenzen:f word
speech discurso:m Rede/Reden:f word;conference conferencia:f Konferenz/Konferenzen:f word
week semana:f Woche/Wochen:f word;year año:m Jahr/Jahre:n word
person/people persona:f Mensch/Menschen:m word;goal gol:m Tor/Tore:n word
city/cities ciudad:f Stadt/Städte:f word;country/countries país/países:m Land/Länder:n word
world mundo:m Welt/Welten:f word;headquarters sede:f Sitz/Sitze:m word
"""

# en es(m/f or m/f/mpl/fpl) de-stem(pred/inflecting stem) kind; `state` adjectives take `estar`.
ADJECTIVES = """
new nuevo/nueva neu;old viejo/vieja alt;big grande groß;small pequeño/pequeña klein
important importante wichtig;good bueno/buena gut;bad malo/mala schlecht;long largo/larga lang
short corto/corta kurz;strong fuerte stark;weak débil schwach
young joven/joven/jóvenes/jóvenes jung;rich rico/rica reich;poor pobre arm
modern moderno/moderna modern;famous famoso/famosa berühmt;difficult difícil schwierig
expensive caro/cara teuer/teur;cheap barato/barata billig;national nacional national
international internacional international;public público/pública öffentlich
private privado/privada privat;political político/política politisch
economic económico/económica wirtschaftlich;military militar militärisch;social social sozial
local local lokal;historic histórico/histórica historisch;official oficial offiziell
serious grave ernst;successful exitoso/exitosa erfolgreich;popular popular beliebt
dangerous peligroso/peligrosa gefährlich;beautiful hermoso/hermosa schön;huge enorme riesig
central central zentral;low bajo/baja niedrig;final definitivo/definitiva endgültig
open abierto/abierta offen state;closed cerrado/cerrada geschlossen state
empty vacío/vacía leer state;full lleno/llena voll state
damaged dañado/dañada beschädigt state;crowded abarrotado/abarrotada überfüllt state
"""

# Nationality adjectives (MISC entities): en es(m/f/mpl/fpl) de-stem; `*` also names a language.
NATIONALITIES = """
German alemán/alemana/alemanes/alemanas deutsch *;English inglés/inglesa/ingleses/inglesas englisch *
British británico/británica/británicos/británicas britisch
French francés/francesa/franceses/francesas französisch *
Spanish español/española/españoles/españolas spanisch *
Italian italiano/italiana/italianos/italianas italienisch *
American estadounidense/estadounidense/estadounidenses/estadounidenses amerikanisch
Russian ruso/rusa/rusos/rusas russisch *;Chinese chino/china/chinos/chinas chinesisch *
Japanese japonés/japonesa/japoneses/japonesas japanisch *
European europeo/europea/europeos/europeas europäisch
Mexican mexicano/mexicana/mexicanos/mexicanas mexikanisch
Dutch neerlandés/neerlandesa/neerlandeses/neerlandesas niederländisch *
Austrian austriaco/austriaca/austriacos/austriacas österreichisch
Polish polaco/polaca/polacos/polacas polnisch *
Arab árabe/árabe/árabes/árabes arabisch *Arabic
"""

# en: base past participle 3sg | es: infinitive past participle present (3sg) |
# de: infinitive past participle present auxiliary [separable particle] | class[:es object marker]
# [:object categories]. Classes: trans (NP object), travel (LOC object), per (PER object),
# say (speech verb before a clause), intr (intransitive, `in LOC`).
VERBS = """
buy bought bought buys|comprar compró comprado compra|kaufen kaufte gekauft kauft hat|trans::bld,thing
sell sold sold sells|vender vendió vendido vende|verkaufen verkaufte verkauft verkauft hat|trans::bld,thing
build built built builds|construir construyó construido construye|bauen baute gebaut baut hat|trans::bld
open opened opened opens|abrir abrió abierto abre|eröffnen eröffnete eröffnet eröffnet hat|trans::bld
close closed closed closes|cerrar cerró cerrado cierra|schließen schloss geschlossen schließt hat|trans::bld
announce announced announced announces|anunciar anunció anunciado anuncia|ankündigen kündigte \
angekündigt kündigt hat an|trans::doc
present presented presented presents|presentar presentó presentado presenta|vorstellen stellte \
vorgestellt stellt hat vor|trans::doc,thing
sign signed signed signs|firmar firmó firmado firma|unterzeichnen unterzeichnete unterzeichnet \
unterzeichnet hat|trans::doc
reject rejected rejected rejects|rechazar rechazó rechazado rechaza|ablehnen lehnte abgelehnt lehnt \
hat ab|trans::doc
approve approved approved approves|aprobar aprobó aprobado aprueba|billigen billigte gebilligt \
billigt hat|trans::doc
publish published published publishes|publicar publicó publicado publica|veröffentlichen \
veröffentlichte veröffentlicht veröffentlicht hat|trans::doc
launch launched launched launches|lanzar lanzó lanzado lanza|starten startete gestartet startet \
hat|trans::thing,doc
win won won wins|ganar ganó ganado gana|gewinnen gewann gewonnen gewinnt hat|trans::contest
lose lost lost loses|perder perdió perdido pierde|verlieren verlor verloren verliert hat|trans::contest
discuss discussed discussed discusses|discutir discutió discutido discute|diskutieren diskutierte \
diskutiert diskutiert hat|trans::doc
receive received received receives|recibir recibió recibido recibe|erhalten erhielt erhalten \
erhält hat|trans::doc,thing
produce produced produced produces|producir produjo producido produce|produzieren produzierte \
produziert produziert hat|trans::thing
design designed designed designs|diseñar diseñó diseñado diseña|entwerfen entwarf entworfen \
entwirft hat|trans::bld,thing
renovate renovated renovated renovates|renovar renovó renovado renueva|renovieren renovierte \
renoviert renoviert hat|trans::bld
finance financed financed finances|financiar financió financiado financia|finanzieren finanzierte \
finanziert finanziert hat|trans::bld,doc
visit visited visited visits|visitar visitó visitado visita|besuchen besuchte besucht besucht hat|travel
leave left left leaves|abandonar abandonó abandonado abandona|verlassen verließ verlassen verlässt \
hat|travel
reach reached reached reaches|llegar llegó llegado llega|erreichen erreichte erreicht erreicht \
hat|travel:a
tour toured toured tours|recorrer recorrió recorrido recorre|bereisen bereiste bereist bereist hat|travel
meet met met meets|reunirse se_reunió reunido se_reúne|treffen traf getroffen trifft hat|per:con
criticise criticised criticised criticises|criticar criticó criticado critica|kritisieren \
kritisierte kritisiert kritisiert hat|per:a
thank thanked thanked thanks|agradecer agradeció agradecido agradece|danken dankte gedankt dankt \
hat|per:a
interview interviewed interviewed interviews|entrevistar entrevistó entrevistado entrevista|\
interviewen interviewte interviewt interviewt hat|per:a
defeat defeated defeated defeats|derrotar derrotó derrotado derrota|besiegen besiegte besiegt \
besiegt hat|per:a
replace replaced replaced replaces|sustituir sustituyó sustituido sustituye|ersetzen ersetzte \
ersetzt ersetzt hat|per:a
support supported supported supports|apoyar apoyó apoyado apoya|unterstützen unterstützte \
unterstützt unterstützt hat|per:a
accuse accused accused accuses|acusar acusó acusado acusa|beschuldigen beschuldigte beschuldigt \
beschuldigt hat|per:a
appoint appointed appointed appoints|nombrar nombró nombrado nombra|ernennen ernannte ernannt \
ernennt hat|per:a
call called called calls|llamar llamó llamado llama|anrufen rief angerufen ruft hat an|per:a
invite invited invited invites|invitar invitó invitado invita|einladen lud eingeladen lädt hat ein|per:a
say said said says|decir dijo dicho dice|sagen sagte gesagt sagt hat|say
state stated stated states|afirmar afirmó afirmado afirma|erklären erklärte erklärt erklärt hat|say
add added added adds|añadir añadió añadido añade|hinzufügen fügte hinzugefügt fügt hat hinzu|say
warn warned warned warns|advertir advirtió advertido advierte|warnen warnte gewarnt warnt hat|say
report reported reported reports|informar informó informado informa|berichten berichtete berichtet \
berichtet hat|say
confirm confirmed confirmed confirms|confirmar confirmó confirmado confirma|bestätigen bestätigte \
bestätigt bestätigt hat|say
deny denied denied denies|negar negó negado niega|bestreiten bestritt bestritten bestreitet hat|say
claim claimed claimed claims|asegurar aseguró asegurado asegura|behaupten behauptete behauptet \
behauptet hat|say
live lived lived lives|vivir vivió vivido vive|leben lebte gelebt lebt hat|intr:en
work worked worked works|trabajar trabajó trabajado trabaja|arbeiten arbeitete gearbeitet arbeitet \
hat|intr:en
stay stayed stayed stays|quedarse se_quedó quedado se_queda|bleiben blieb geblieben bleibt ist|intr:en
study studied studied studies|estudiar estudió estudiado estudia|studieren studierte studiert \
studiert hat|intr:en
teach taught taught teaches|enseñar enseñó enseñado enseña|unterrichten unterrichtete unterrichtet \
unterrichtet hat|intr:en
"""

# Closed-class and fixed-phrase words: `en: es targets | de targets`, preferred first.
WORDS = """
the: el la los las | der die das den dem des;a: un una | ein eine einen einem einer
an: un una | ein eine einen;of: de del | von vom des;in: en | in im;on: en el | am auf an
at: en | in an bei auf;to: a al ante | nach zu an;for: para por | für;with: con | mit
from: de desde | aus von ab;by: por | von um;and: y | und;or: o | oder;but: pero | aber
that: que | dass;who: que quien | der die;because: porque | weil;since: desde | seit
according: según | angaben nach;after: después | nach;before: antes | vor;very: muy | sehr
not: no | nicht;has: ha | hat;had: había habían | hatte war;have: han tienen | haben
is: es está | ist;was: era estaba fue | war wurde;were: eran estaban resultaron | waren wurden
will: va | wird;would: | würde würden;be: ser estar | sein
been: sido resultado | worden gewesen;based: sede | sitz;percent: ciento | prozent
died: murieron murió | starben starb;moved: mudó | zog;scored: marcó | erzielte
finished: terminó | wurde;gave: dio | hielt;next: próxima próximo | nächste nächsten
last: pasada pasado | letzte letzten;rose: subieron subió | stiegen stieg
fell: cayeron cayó | fielen fiel;injured: heridos herido | verletzt;born: nació | geboren
nobody: nadie | niemand;sharply: bruscamente | stark;remain: seguir seguiría | bleiben
resign: dimitir dimitiría | zurücktreten;failed: fracasado | gescheitert;fallen: caído | gefallen
growing: creciendo | wuchs;rise: subir subirían | steigen;cut: recortar recortaría | abbauen
beat: venció impuso | besiegte;
against: ante contra | gegen;also: también | auch;yesterday: ayer | gestern;today: hoy | heute
it: lo | es;itself: se | sich;he: él | er;she: ella | sie;they: ellos | sie;his: su | sein seine
this: este esta | dieser diese dieses;million: millones | millionen;went: fue | ging
into: en | ein;until: hasta | bis;arrived: llegó | kam;arrive: llegar | ankommen;
off: | ab;additionally: | hinzu;speak: | rede;works: trabaja | arbeitet
worked: trabajó | gearbeitet;took: | nahm;own: | eigene;also: además | außerdem
"""

DAYS = ("Monday lunes Montag;Tuesday martes Dienstag;Wednesday miércoles Mittwoch;"
        "Thursday jueves Donnerstag;Friday viernes Freitag;Saturday sábado Samstag;"
        "Sunday domingo Sonntag")
MONTHS = ("January enero Januar;February febrero Februar;March marzo März;April abril April;"
          "May mayo Mai;June junio Juni;July julio Juli;August agosto August;"
          "September septiembre September;October octubre Oktober;November noviembre November;"
          "December diciembre Dezember")
COUNTS = ("two dos zwei;three tres drei;four cuatro vier;five cinco fünf;six seis sechs;"
          "seven siete sieben;eight ocho acht;nine nueve neun;ten diez zehn")
# en es(m/f) de(m/f): "finished third" / "terminó tercero" / "wurde Dritter"
ORDINALS = ("first primero/primera Erster/Erste;second segundo/segunda Zweiter/Zweite;"
            "third tercero/tercera Dritter/Dritte;fourth cuarto/cuarta Vierter/Vierte;"
            "fifth quinto/quinta Fünfter/Fünfte")

# Clauses: en | es | de verb-final (after `dass`) | de main clause (verb second).
CLAUSES = """
prices would rise | los precios subirían \
  | die Preise steigen würden | die Preise würden steigen
the talks had failed | las negociaciones habían fracasado \
  | die Gespräche gescheitert waren | die Gespräche waren gescheitert
the company would cut jobs | la empresa recortaría empleos \
  | das Unternehmen Arbeitsplätze abbauen würde | das Unternehmen würde Arbeitsplätze abbauen
the situation was very serious | la situación era muy grave \
  | die Lage sehr ernst war | die Lage war sehr ernst
profits had fallen sharply | los beneficios habían caído bruscamente \
  | die Gewinne stark gefallen waren | die Gewinne waren stark gefallen
the government would not resign | el gobierno no dimitiría \
  | die Regierung nicht zurücktreten würde | die Regierung würde nicht zurücktreten
the new law was a mistake | la nueva ley era un error \
  | das neue Gesetz ein Fehler war | das neue Gesetz war ein Fehler
inflation would remain low | la inflación seguiría baja \
  | die Inflation niedrig bleiben würde | die Inflation würde niedrig bleiben
nobody had been injured | nadie había resultado herido \
  | niemand verletzt worden war | niemand war verletzt worden
the economy was growing | la economía estaba creciendo \
  | die Wirtschaft wuchs | die Wirtschaft wuchs
the decision was final | la decisión era definitiva \
  | die Entscheidung endgültig war | die Entscheidung war endgültig
the border would remain closed | la frontera seguiría cerrada \
  | die Grenze geschlossen bleiben würde | die Grenze würde geschlossen bleiben
taxes would rise | los impuestos subirían \
  | die Steuern steigen würden | die Steuern würden steigen
the market was very weak | el mercado estaba muy débil \
  | der Markt sehr schwach war | der Markt war sehr schwach
"""
