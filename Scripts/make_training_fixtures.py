#!/usr/bin/env python3
"""Reference values for SepCNN's training pieces, computed with PyTorch.

Writes Tests/SepCNNTests/Fixtures/training.json:
  - optimizers: three parameter tensors, five steps of random gradients, and the parameter values
    after each step for SGD (momentum + weight decay, Nesterov), Adam (with and without weight
    decay) and AdamW;
  - losses: F.cross_entropy (with and without label smoothing, with large logits) and F.mse_loss,
    each with its gradient from autograd;
  - schedules: learning rates from torch.optim.lr_scheduler for steps 0..N.
Tensors are plain row-major lists; no layout conversion is involved.

Usage: python3 Scripts/make_training_fixtures.py
"""
import json
from pathlib import Path

import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent.parent / "Tests" / "SepCNNTests" / "Fixtures" / "training.json"
STEPS = 5


def tensor_json(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def optimizer_cases():
    # 35 elements: two 16-lane vectors and a tail of 3; 20: one vector and 4; 3: tail only.
    initial = {"a": torch.randn(5, 7), "b": torch.randn(20), "c": torch.randn(3)}
    gradients = [{k: torch.randn_like(v) for k, v in initial.items()} for _ in range(STEPS)]
    configs = [
        ("sgd", {"lr": 0.1}),
        ("sgd", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
        ("sgd", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.001, "nesterov": True}),
        ("adam", {"lr": 0.01}),
        ("adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
        ("adamw", {"lr": 0.01, "weight_decay": 0.1}),
    ]
    cases = []
    for kind, options in configs:
        params = {k: torch.nn.Parameter(v.clone()) for k, v in initial.items()}
        cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind]
        opt = cls(list(params.values()), **options)
        after = []
        for g in gradients:
            for k, p in params.items():
                p.grad = g[k].clone()
            opt.step()
            after.append({k: tensor_json(p) for k, p in params.items()})
        betas = options.get("betas", (0.9, 0.999))
        cases.append({
            "kind": kind, "learningRate": options["lr"], "momentum": options.get("momentum", 0.0),
            "nesterov": options.get("nesterov", False),
            "weightDecay": options.get("weight_decay", 0.01 if kind == "adamw" else 0.0),
            "beta1": betas[0], "beta2": betas[1], "epsilon": options.get("eps", 1e-8),
            "after": after,
        })
    return {
        "initial": {k: tensor_json(v) for k, v in initial.items()},
        "gradients": [{k: tensor_json(v) for k, v in g.items()} for g in gradients],
        "cases": cases,
    }


def loss_cases():
    cases = []
    for name, scale, smoothing in [("plain", 1.0, 0.0), ("smoothed", 1.0, 0.1), ("large-logits", 80.0, 0.2)]:
        logits = (torch.randn(6, 5) * scale).requires_grad_()
        labels = torch.randint(0, 5, (6,))
        loss = F.cross_entropy(logits, labels, label_smoothing=smoothing)
        loss.backward()
        cases.append({"name": name, "kind": "cross-entropy", "labelSmoothing": smoothing,
                      "input": tensor_json(logits), "labels": labels.tolist(),
                      "loss": float(loss.detach()), "gradient": tensor_json(logits.grad)})
    predictions = torch.randn(4, 3).requires_grad_()
    targets = torch.randn(4, 3)
    loss = F.mse_loss(predictions, targets)
    loss.backward()
    cases.append({"name": "mse", "kind": "mse", "input": tensor_json(predictions), "target": tensor_json(targets),
                  "loss": float(loss.detach()), "gradient": tensor_json(predictions.grad)})
    return cases


def schedule_values(make, steps, lr):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = make(opt)
    values = []
    for _ in range(steps):
        values.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return values


def schedule_cases():
    S = torch.optim.lr_scheduler
    return [
        {"kind": "step", "initial": 0.1, "stepSize": 3, "gamma": 0.5,
         "values": schedule_values(lambda o: S.StepLR(o, step_size=3, gamma=0.5), 12, 0.1)},
        {"kind": "cosine", "initial": 0.1, "minimum": 0.001, "totalSteps": 10,
         "values": schedule_values(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 11, 0.1)},
        {"kind": "warmup-cosine", "initial": 0.1, "minimum": 0.0, "totalSteps": 8, "warmup": 4, "startFactor": 0.1,
         "values": schedule_values(lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=4),
                                                                S.CosineAnnealingLR(o, T_max=8)], milestones=[4]),
                                   13, 0.1)},
    ]


def main():
    torch.manual_seed(20261121)
    fixture = {"generator": "Scripts/make_training_fixtures.py", "torch": torch.__version__,
               "optimizers": optimizer_cases(), "losses": loss_cases(), "schedules": schedule_cases()}
    OUT.write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
