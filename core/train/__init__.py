"""Training: one epoch loop shared by every stage, the adversarial step, distillation, prediction."""
