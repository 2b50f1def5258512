"""Training: one epoch loop shared by every stage, the update steps (NER, adversarial, distillation),
the discriminator kinds, prediction and the pseudo-label maths (Eq. 6-8).

May import: `models`, `data` and below."""
