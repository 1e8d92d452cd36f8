#!/usr/bin/env python3
"""Reference values for SepCNN's distillation loss (Loss.distillation, Loss.softmax), from PyTorch.

Writes Tests/SepCNNTests/Fixtures/distillation.json: cases of student and teacher logits [N, classes],
labels, temperature T and weight alpha, with
  - softTeacher:  F.softmax(teacher / T, dim=1)               (the soft targets)
  - softStudent:  F.softmax(student / T, dim=1)
  - kl:           F.kl_div(F.log_softmax(student / T, 1), softTeacher, reduction="batchmean")
  - loss:         alpha * T**2 * kl + (1 - alpha) * F.cross_entropy(student, labels, label_smoothing=eps)
  - gradient:     d loss / d student, by autograd
The same logits appear at several temperatures, so the T² scaling is checked against PyTorch too
(without it the soft term's gradient would shrink as 1/T). Computed in float64 and stored rounded to
float32, so the reference carries no float32 rounding of its own.

Usage: python3 Scripts/make_distillation_fixtures.py
"""
import json
from pathlib import Path

import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent.parent / "Tests" / "SepCNNTests" / "Fixtures" / "distillation.json"


def tensor_json(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def case(name, student, teacher, labels, temperature, alpha, label_smoothing=0.0):
    # The inputs are rounded to float32 first: SepCNN reads them as float32.
    student = student.to(torch.float32).to(torch.float64).requires_grad_(True)
    teacher = teacher.to(torch.float32).to(torch.float64)
    soft_teacher = F.softmax(teacher / temperature, dim=1)
    kl = F.kl_div(F.log_softmax(student / temperature, dim=1), soft_teacher, reduction="batchmean")
    hard = F.cross_entropy(student, labels, label_smoothing=label_smoothing)
    loss = alpha * temperature ** 2 * kl + (1 - alpha) * hard
    loss.backward()
    return {
        "name": name, "temperature": temperature, "alpha": alpha, "labelSmoothing": label_smoothing,
        "student": tensor_json(student), "teacher": tensor_json(teacher), "labels": labels.tolist(),
        "softTeacher": tensor_json(soft_teacher), "softStudent": tensor_json(F.softmax(student / temperature, dim=1)),
        "kl": float(kl.detach()), "loss": float(loss.detach()), "gradient": tensor_json(student.grad),
    }


def main():
    torch.manual_seed(14)
    n, classes = 6, 10
    student = torch.randn(n, classes) * 2
    teacher = torch.randn(n, classes) * 3
    labels = torch.randint(0, classes, (n,))
    cases = []
    for temperature in (1.0, 2.0, 4.0, 8.0):
        cases.append(case(f"T={temperature:g} alpha=0.9", student, teacher, labels, temperature, 0.9))
    cases.append(case("T=4 alpha=1 (soft term alone)", student, teacher, labels, 4.0, 1.0))
    cases.append(case("T=4 alpha=0 (cross-entropy alone)", student, teacher, labels, 4.0, 0.0))
    cases.append(case("T=3 alpha=0.5 label smoothing 0.1", student, teacher, labels, 3.0, 0.5, 0.1))
    # Logits in the hundreds: exp would overflow without the log-sum-exp about each row's maximum.
    cases.append(case("large logits T=0.5", student * 60, teacher * 60, labels, 0.5, 0.7))
    # Three classes, one row: the smallest shapes.
    cases.append(case("3 classes T=4", torch.tensor([[0.2, -1.0, 3.0]]), torch.tensor([[2.0, 0.5, -0.5]]),
                      torch.tensor([1]), 4.0, 0.9))
    OUT.write_text(json.dumps({"generator": "Scripts/make_distillation_fixtures.py", "torch": torch.__version__, "cases": cases}) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
