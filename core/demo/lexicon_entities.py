"""The demo lexicon's entities (people, places, organisations, clubs, events, each with the language
whose corpus mostly mentions it) and the sentence templates that place them, in the notation
`lexicon.py` documents and parses."""

# Entity names. `home` is the language whose corpus mostly mentions them; `intl` ones appear in all.
FIRST_NAMES = {
    "en": "John:m Michael:m David:m James:m Robert:m Paul:m Peter:m George:m Thomas:m Richard:m "
          "Henry:m Mark:m Mary:f Sarah:f Elizabeth:f Susan:f Emma:f Jennifer:f Victoria:f "
          "Florence:f Helen:f Kate:f",
    "es": "Carlos:m José:m Juan:m Antonio:m Miguel:m Pedro:m Luis:m Javier:m Manuel:m "
          "Francisco:m Jorge:m Pablo:m María:f Carmen:f Ana:f Lucía:f Isabel:f Pilar:f Elena:f "
          "Rosa:f Laura:f Marta:f",
    "de": "Hans:m Jürgen:m Klaus:m Wolfgang:m Stefan:m Andreas:m Uwe:m Dieter:m Helmut:m "
          "Gerhard:m Matthias:m Frank:m Angela:f Ursula:f Sabine:f Petra:f Monika:f Katrin:f "
          "Heike:f Birgit:f Claudia:f Anke:f",
}
# Surnames that are also words or organisations (Ford, Young, Baker, Iglesias, Richter, Porsche)
# make capitalisation and lookup alone insufficient.
LAST_NAMES = {
    "en": "Smith Johnson Brown Wilson Taylor Clarke Walker Ford Morgan Washington Jordan Baker "
          "Young Hill Cooper Evans Wright Hughes",
    "es": "García Fernández López Martínez Sánchez Pérez Gómez Ruiz Díaz Moreno Navarro Romero "
          "Torres Iglesias Blanco Castillo Ortega Delgado",
    "de": "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
          "Richter Bauer Wolf Porsche Siemens Neumann Krüger",
}
FAMOUS = (
    "Angela Merkel:f;Bill Clinton:m;Boris Yeltsin/Borís Yeltsin/Boris Jelzin:m;Nelson Mandela:m;"
    "Kofi Annan:m;Vladimir Putin/Vladímir Putin/Wladimir Putin:m;Helmut Kohl:m;Jacques Chirac:m;"
    "Tony Blair:m;Felipe González:m;José María Aznar:m;Steffi Graf:f;Boris Becker:m;"
    "Michael Schumacher:m;Rafael Nadal:m;Lionel Messi:m;Serena Williams:f;Henry Ford:m;"
    "Francis/Francisco/Franziskus:m;John Paul II/Juan Pablo II/Johannes Paul II:m;"
    "Christopher Columbus/Cristóbal Colón/Christoph Kolumbus:m;Yasser Arafat:m;"
    "Mikhail Gorbachev/Mijaíl Gorbachov/Michail Gorbatschow:m"
)
LOCATIONS = {
    "en": "London/Londres/London;Manchester;Liverpool;Oxford;Edinburgh/Edimburgo/Edinburgh;"
          "Dublin/Dublín/Dublin;New York/Nueva York/New York;Washington;Chicago;Boston;"
          "England/Inglaterra/England;Britain/Gran Bretaña/Großbritannien;"
          "Scotland/Escocia/Schottland;Ireland/Irlanda/Irland;Sydney;Canada/Canadá/Kanada",
    "es": "Madrid;Barcelona;Seville/Sevilla/Sevilla;Valencia;Zaragoza;Bilbao;Málaga;Granada;"
          "Toledo;Salamanca;Spain/España/Spanien;Catalonia/Cataluña/Katalonien;"
          "Andalusia/Andalucía/Andalusien;Mexico/México/Mexiko;Argentina/Argentina/Argentinien;"
          "Buenos Aires;Lima",
    "de": "Berlin/Berlín/Berlin;Munich/Múnich/München;Cologne/Colonia/Köln;Hamburg/Hamburgo/Hamburg;"
          "Frankfurt/Fráncfort/Frankfurt;Stuttgart;Leipzig;Dresden;Bonn;"
          "Nuremberg/Núremberg/Nürnberg;Hanover/Hannover/Hannover;Bavaria/Baviera/Bayern;"
          "Germany/Alemania/Deutschland;Austria/Austria/Österreich;Vienna/Viena/Wien;"
          "Zurich/Zúrich/Zürich",
    "intl": "Paris/París/Paris;Rome/Roma/Rom;Moscow/Moscú/Moskau;Brussels/Bruselas/Brüssel;"
            "Lisbon/Lisboa/Lissabon;Warsaw/Varsovia/Warschau;Prague/Praga/Prag;Athens/Atenas/Athen;"
            "Geneva/Ginebra/Genf;Beijing/Pekín/Peking;Tokyo/Tokio/Tokio;Cairo/El Cairo/Kairo;"
            "Florence/Florencia/Florenz;Venice/Venecia/Venedig;Milan/Milán/Mailand;"
            "France/Francia/Frankreich;Italy/Italia/Italien;Russia/Rusia/Russland;China;"
            "Japan/Japón/Japan;Brazil/Brasil/Brasilien;Poland/Polonia/Polen;"
            "Jordan/Jordania/Jordanien;Egypt/Egipto/Ägypten;Portugal;Europe/Europa/Europa;"
            "Africa/África/Afrika;Belgium/Bélgica/Belgien;Greece/Grecia/Griechenland",
}
ORGANISATIONS = {
    "en": "BBC;General Motors;Barclays;British Airways;Bank of England/Banco de Inglaterra/Bank of "
          "England;Rolls-Royce;Vodafone;Oxford University/Universidad de Oxford/Universität Oxford;"
          "Scotland Yard",
    "es": "Telefónica;Iberia;Repsol;Banco Santander;El País;EFE;PSOE;Partido Popular;Renfe;"
          "Inditex;Universidad Complutense",
    "de": "Deutsche Bank;Lufthansa;Bundesbank;Daimler;BASF;Bayer;SPD;CDU;Deutsche Telekom;dpa;"
          "Bundestag;Adidas;Commerzbank",
    "intl": "United Nations/Naciones Unidas/Vereinte Nationen;European Union/Unión Europea/"
            "Europäische Union;NATO/OTAN/NATO;World Bank/Banco Mundial/Weltbank;"
            "International Monetary Fund/Fondo Monetario Internacional/Internationaler "
            "Währungsfonds;Red Cross/Cruz Roja/Rotes Kreuz;FIFA;UEFA;Reuters;Google;Microsoft;"
            "Apple;Volkswagen;Siemens;Porsche;Ford;Ferrari;Disney;Airbus;Boeing;Nestlé;Shell;"
            "Morgan Stanley;Amnesty International/Amnistía Internacional/Amnesty International;"
            "Greenpeace",
}
# Football clubs (ORG) named like their city (LOC): the context decides.
CLUBS = {
    "en": "Chelsea;Liverpool;Arsenal;Manchester United;Celtic;Tottenham",
    "es": "Barcelona;Real Madrid;Valencia;Sevilla;Atlético Madrid/Atlético de Madrid/Atlético Madrid;"
          "Athletic Bilbao/Athletic de Bilbao/Athletic Bilbao;Real Betis",
    "de": "Bayern Munich/Bayern de Múnich/Bayern München;Borussia Dortmund;Schalke;Werder Bremen;"
          "Hamburg/Hamburgo/Hamburg;Stuttgart",
    "intl": "Ajax;Inter Milan/Inter de Milán/Inter Mailand;Porto/Oporto/Porto;Benfica;"
            "Paris Saint-Germain/París Saint-Germain/Paris Saint-Germain",
}
# MISC events as `article|name` per language (German article in the accusative).
EVENTS = (
    "the|World Cup/el|Mundial/die|Weltmeisterschaft;the|Tour de France/el|Tour de Francia/die|Tour "
    "de France;the|Olympic Games/los|Juegos Olímpicos/die|Olympischen Spiele;the|Champions League/"
    "la|Liga de Campeones/die|Champions League;|Wimbledon/|Wimbledon/|Wimbledon;the|Nobel Prize/"
    "el|Premio Nobel/den|Nobelpreis;the|Davis Cup/la|Copa Davis/den|Davis Cup;the|European "
    "Championship/la|Eurocopa/die|Europameisterschaft;the|Super Bowl/la|Super Bowl/den|Super Bowl;"
    "the|Giro d'Italia/el|Giro de Italia/den|Giro d'Italia;the|Ballon d'Or/el|Balón de Oro/den|"
    "Ballon d'Or;the|Booker Prize/el|Premio Booker/den|Booker Prize"
)

# Templates: `@ name weight slot:KIND ...`, then one line per language with the same number of
# `||`-separated variants (variant i means the same in every language). `{slot}` / `{slot:form}`
# are filled by demo.py; German word order (V2, verb-final after dass/weil, separable particles)
# and Spanish noun-adjective order differ from English on purpose.
TEMPLATES = """
@ visit 3 p:PER l:LOC t:DAY v:TRAVEL
en {p} {v:past} {l} on {t} . || on {t} , {p} {v:past} {l} .
es {p} {v:past} {v:obj} {l} el {t} . || el {t} , {p} {v:past} {v:obj} {l} .
de {p} {v:past} am {t} {l} . || am {t} {v:past} {p} {l} .
@ say_that 3 p:PER s:SAY o:ORG v:TRANS n:OBJ t:DAY
en {p} {s:past} on {t} that {o} had {v:part} {n} . || on {t} , {p} {s:past} that {o} had {v:part} {n} .
es {p} {s:past} el {t} que {o} había {v:part} {n} . || el {t} , {p} {s:past} que {o} había {v:part} {n} .
de {p} {s:past} am {t} {s:prt} , dass {o} {n:acc} {v:part} {v:auxpast} . || am {t} {s:past} {p} \
{s:prt} , dass {o} {n:acc} {v:part} {v:auxpast} .
@ org_based 2 o:ORG l:LOC v:TRANS n:OBJ
en {o} , based in {l} , {v:past} {n} . || {o} {v:past} {n} in {l} .
es {o} , con sede en {l} , {v:past} {n} . || {o} {v:past} {n} en {l} .
de {o} mit Sitz in {l} {v:past} {n:acc} {v:prt} . || {o} {v:past} in {l} {n:acc} {v:prt} .
@ actor 3 a:ACTORN v:TRANS n:OBJ t:DAY
en {a} {v:past} {n} on {t} . || on {t} , {a} {v:past} {n} .
es {a} {v:past} {n} el {t} . || el {t} , {a} {v:past} {n} .
de {a:nom} {v:past} am {t} {n:acc} {v:prt} . || am {t} {v:past} {a:nom} {n:acc} {v:prt} .
@ spokesman 2 r:ROLE o:ORG p:PERF s:SAY c:CLAUSE
en {o} {r} {p} {s:past} that {c} . || {p} , {r} of {o} , {s:past} that {c} .
es el {r} de {o} , {p} , {s:past} que {c} . || {p} , {r} de {o} , {s:past} que {c} .
de der {r} von {o} , {p} , {s:past} {s:prt} , dass {c} . || {p} , {r} von {o} , {s:past} {s:prt} , \
dass {c} .
@ title 2 r:ROLE p:PERF l:LOC t:DAY
en on {t} , {r:title} {p} arrived in {l} . || {r:title} {p} will visit {l} next week .
es el {t} llegó a {l} el {r} {p} . || el {r} {p} va a visitar {l} la próxima semana .
de am {t} kam {r} {p} in {l} an . || {r} {p} wird {l} nächste Woche besuchen .
@ match 3 c:CLUB d:CLUB s:SCORE l:LOC t:DAY
en {c} beat {d} {s} in {l} on {t} . || {c} lost {s} to {d} on {t} .
es el {c} se_impuso por {s} a el {d} en {l} el {t} . || el {c} perdió por {s} ante el {d} el {t} .
de {c} besiegte am {t} {d} in {l} mit {s} . || {c} verlor am {t} mit {s} gegen {d} .
@ scorer 2 p:PER k:COUNT c:CLUB t:DAY
en {p} scored {k} goals for {c} on {t} . || on {t} , {p} scored {k} goals for {c} .
es {p} marcó {k} goles para el {c} el {t} . || el {t} , {p} marcó {k} goles para el {c} .
de {p} erzielte am {t} {k} Tore für {c} . || am {t} erzielte {p} {k} Tore für {c} .
@ prize 2 p:PER e:EVENT y:YEAR
en {p} won {e:art} {e} in {y} . || in {y} , {p} won {e:art} {e} .
es {p} ganó en {y} {e:art} {e} . || en {y} , {p} ganó {e:art} {e} .
de {p} gewann {y} {e:art} {e} . || {y} gewann {p} {e:art} {e} .
@ shares 2 o:ORG k:PCT t:DAY
en shares in {o} rose {k} percent on {t} . || shares in {o} fell {k} percent on {t} .
es las acciones de {o} subieron el {t} un {k} por ciento . || las acciones de {o} cayeron el {t} \
un {k} por ciento .
de die Aktien von {o} stiegen am {t} um {k} Prozent . || die Aktien von {o} fielen am {t} um {k} Prozent .
@ born 2 p:PERF l:LOC o:ORG y:YEAR
en {p} , who was born in {l} , works for {o} . || {p} , who was born in {l} , has worked for {o} since {y} .
es {p} , que nació en {l} , trabaja para {o} . || {p} , que nació en {l} , trabaja para {o} desde {y} .
de {p} , {p:rel} in {l} geboren wurde , arbeitet für {o} . || {p} , {p:rel} in {l} geboren wurde , \
arbeitet seit {y} für {o} .
@ closed 2 p:PER l:LOC n:BLD a:SADJ@n
en {p} stayed in {l} because {n} was {a} . || {p} left {l} because {n} was {a} .
es {p} se quedó en {l} porque {n} estaba {a} . || {p} abandonó {l} porque {n} estaba {a} .
de {p} blieb in {l} , weil {n:nom} {a} war . || {p} verließ {l} , weil {n:nom} {a} war .
@ famous 2 n:BLDA l:LOC a:ADJ@n
en {n} in {l} is very {a} . || {n} in {l} was very {a} .
es {n} de {l} es muy {a} . || {n} de {l} era muy {a} .
de {n:nom} in {l} ist sehr {a} . || {n:nom} in {l} war sehr {a} .
@ casualties 2 o:ORG k:NUM l:LOC t:DAY
en according to {o} , {k} people died in {l} on {t} .
es según {o} , {k} personas murieron el {t} en {l} .
de nach Angaben von {o} starben am {t} {k} Menschen in {l} .
@ moved 2 p:PER m:MONTH l:LOC y:YEAR
en in {m} , {p} moved to {l} . || {p} moved to {l} in {m} {y} .
es en {m} , {p} se mudó a {l} . || {p} se mudó a {l} en {m} de {y} .
de im {m} zog {p} nach {l} . || {p} zog im {m} {y} nach {l} .
@ result 1 p:PERF l:LOC k:ORD@p
en {p} ( {l} ) finished {k} .
es {p} ( {l} ) terminó {k} .
de {p} ( {l} ) wurde {k} .
@ met 3 p:PER q:PER v:PERV l:LOC t:DAY
en {p} {v:past} {q} in {l} on {t} . || on {t} , {p} {v:past} {q} in {l} .
es {p} {v:past} {v:obj} {q} en {l} el {t} . || el {t} , {p} {v:past} {v:obj} {q} en {l} .
de {p} {v:past} {q} am {t} in {l} {v:prt} . || am {t} {v:past} {p} {q} in {l} {v:prt} .
@ actor_per 2 a:ACTOR v:PERV p:PER t:DAY
en {a} {v:past} {p} on {t} . || on {t} , {a} {v:past} {p} .
es {a} {v:past} {v:obj} {p} el {t} . || el {t} , {a} {v:past} {v:obj} {p} .
de {a:nom} {v:past} am {t} {p} {v:prt} . || am {t} {v:past} {a:nom} {p} {v:prt} .
@ perfect 2 o:ORG v:TRANS n:OBJ l:LOC
en {o} has {v:part} {n} in {l} . || {o} has {v:part} {n} .
es {o} ha {v:part} {n} en {l} . || {o} ha {v:part} {n} .
de {o} {v:aux} in {l} {n:acc} {v:part} . || {o} {v:aux} {n:acc} {v:part} .
@ future 2 o:ORG v:TRANS n:OBJ m:MONTH
en {o} will {v:inf} {n} in {m} . || in {m} , {o} will {v:inf} {n} .
es {o} va a {v:inf} {n} en {m} . || en {m} , {o} va a {v:inf} {n} .
de {o} wird im {m} {n:acc} {v:inf} . || im {m} wird {o} {n:acc} {v:inf} .
@ statement 3 a:ACTOR s:SAY c:CLAUSE t:DAY
en {a} {s:past} on {t} that {c} . || on {t} , {a} {s:past} that {c} .
es {a} {s:past} el {t} que {c} . || el {t} , {a} {s:past} que {c} .
de {a:nom} {s:past} am {t} {s:prt} , dass {c} . || am {t} {s:past} {a:nom} {s:prt} , dass {c} .
@ injured 2 n:PEOPLE l:LOC t:DAY
en {n} were injured in {l} on {t} . || on {t} , {n} were injured in {l} .
es {n} resultaron heridos en {l} el {t} . || el {t} , {n} resultaron heridos en {l} .
de am {t} wurden in {l} {n:nom} verletzt . || {n:nom} wurden am {t} in {l} verletzt .
@ speech 2 p:PER g:LANG l:LOC
en {p} gave a speech in {g} in {l} . || {p} gave a speech in {g} at the conference in {l} .
es {p} dio un discurso en {g} en {l} . || {p} dio un discurso en {g} en la conferencia de {l} .
de {p} hielt in {l} eine Rede auf {g} . || {p} hielt auf der Konferenz in {l} eine Rede auf {g} .
@ lived 2 p:PER v:INTR l:LOC y:YEAR
en {p} {v:past} {v:obj} {l} until {y} . || {p} has {v:part} {v:obj} {l} since {y} .
es {p} {v:past} {v:obj} {l} hasta {y} . || {p} ha {v:part} {v:obj} {l} desde {y} .
de {p} {v:past} bis {y} {v:obj} {l} {v:prt} . || {p} {v:aux} seit {y} {v:obj} {l} {v:part} .
@ quote 2 c:CLAUSE p:PERF s:SAY
en {c:main} , {p} {s:past} .
es {c:main} , {s:past} {p} .
de {c:main} , {s:past} {p} {s:prt} .
@ leader 2 r:ROLEN p:PERF v:PERV q:PER l:LOC
en {r} {p} {v:past} {q} in {l} . || {r} , {p} , {v:past} {q} in {l} .
es {r} {p} {v:past} {v:obj} {q} en {l} . || {r} , {p} , {v:past} {v:obj} {q} en {l} .
de {r:nom} {p} {v:past} {q} in {l} {v:prt} . || {r:nom} , {p} , {v:past} {q} in {l} {v:prt} .
@ government 2 a:ACTOR0 l:LOC s:SAY c:CLAUSE
en the {l} {a:noun} {s:past} that {c} .
es {a} de {l} {s:past} que {c} .
de {a:nom} von {l} {s:past} {s:prt} , dass {c} .
"""
