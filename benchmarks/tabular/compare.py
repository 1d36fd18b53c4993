#!/usr/bin/python3
"""fnn's tabular example side by side with scikit-learn's MLPClassifier/MLPRegressor and PyTorch.

Runs build/release/examples/tabular (or --fnn PATH), reads the test rows of each table's split from its
tabular.json, and trains scikit-learn and PyTorch on the same split with the same model: one hidden
layer of 100 ReLUs started as scikit-learn starts it (Glorot uniform), Adam (lr 0.001, scikit-learn's
L2 alpha 1e-4 on the weights), batch min(200, samples), the same number of epochs
(scikit-learn's early stop is switched off so that it runs them all), features standardised on the
training part (and, for diabetes, the target). Over seeds 1..N (a split and a start each), prints the
mean test accuracy or R^2 and training time of each, and writes the table as a record (date, commit,
CPU, every seed's score) under docs/records/tabular/, from which scripts/tables.py makes docs/results.md's
table.

    /usr/bin/python3 benchmarks/tabular/compare.py [--fnn build/release/examples/tabular] [--epochs 200]
        [--seeds 5] [--json record.json]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from records import ROOT, record_metadata, write_record  # noqa: E402 (benchmarks/records.py)

DATA = "/usr/lib/python3/dist-packages/sklearn/datasets/data"


def load(name):
    if name == "diabetes":
        x = np.loadtxt(os.path.join(DATA, "diabetes_data_raw.csv.gz"))
        y = np.loadtxt(os.path.join(DATA, "diabetes_target.csv.gz")).reshape(-1, 1)
        return x, y
    file = "wine_data.csv" if name == "wine" else name + ".csv"
    table = np.loadtxt(os.path.join(DATA, file), delimiter=",", skiprows=1)
    return table[:, :-1], table[:, -1].astype(np.int64)


def standardise(train, test):
    mean, std = train.mean(0), train.std(0)
    std[std == 0] = 1
    return (train - mean) / std, (test - mean) / std


def sklearn_run(x_train, y_train, x_test, y_test, regression, epochs, seed):
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.metrics import r2_score
    kind = MLPRegressor if regression else MLPClassifier
    model = kind(hidden_layer_sizes=(100,), alpha=1e-4, learning_rate_init=1e-3, max_iter=epochs,
                 batch_size=min(200, len(x_train)), n_iter_no_change=epochs + 1, tol=0, random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached, as intended
        model.fit(x_train, y_train.ravel() if regression else y_train)
    predicted = model.predict(x_test)
    seconds = time.perf_counter() - start
    score = r2_score(y_test.ravel(), predicted) if regression else float((predicted == y_test).mean())
    return score, seconds


def torch_run(x_train, y_train, x_test, y_test, regression, epochs, seed):
    import torch
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    x_train, x_test = torch.tensor(x_train, dtype=torch.float32), torch.tensor(x_test, dtype=torch.float32)
    outputs = y_train.shape[1] if regression else int(y_train.max()) + 1
    y_train = torch.tensor(y_train, dtype=torch.float32 if regression else torch.int64)
    model = torch.nn.Sequential(torch.nn.Linear(x_train.shape[1], 100), torch.nn.ReLU(), torch.nn.Linear(100, outputs))
    with torch.no_grad():  # scikit-learn's start: weights and biases uniform in +-sqrt(6 / (fan_in + fan_out))
        for layer in (model[0], model[2]):
            bound = (6 / (layer.in_features + layer.out_features)) ** 0.5
            layer.weight.uniform_(-bound, bound)
            layer.bias.uniform_(-bound, bound)
    batch = min(200, len(x_train))
    weights = [p for p in model.parameters() if p.dim() >= 2]
    biases = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.Adam([{"params": weights, "weight_decay": 1e-4 / batch},  # scikit-learn's alpha
                                  {"params": biases, "weight_decay": 0.0}], lr=1e-3)
    loss_fn = torch.nn.MSELoss() if regression else torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(x_train))
        for i in range(0, len(x_train), batch):
            rows = order[i:i + batch]
            optimizer.zero_grad()
            loss_fn(model(x_train[rows]), y_train[rows]).backward()
            optimizer.step()
    with torch.no_grad():
        predicted = model(x_test).numpy()
    seconds = time.perf_counter() - start
    if regression:
        from sklearn.metrics import r2_score
        return r2_score(y_test.ravel(), predicted.ravel()), seconds
    return float((predicted.argmax(1) == y_test).mean()), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fnn", default=os.path.join(ROOT, "build/release/examples/tabular"))
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=5, help="seeds 1..N: a split and a start each; means reported")
    parser.add_argument("--json", help="write the record here instead of docs/records/tabular/DATE-CPU.json")
    args = parser.parse_args()
    record = record_metadata("tabular", "benchmarks/tabular/compare.py", sys.argv[1:], ("--fnn", "--json"))

    rows = {}
    for seed in range(1, args.seeds + 1):
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([args.fnn, "--epochs", str(args.epochs), "--seed", str(seed), "--quiet", "--out", out],
                           check=True)
            fnn_results = json.load(open(os.path.join(out, "tabular.json")))["results"]
        for r in fnn_results:
            regression = r["task"] == "regression"
            x, y = load(r["table"])
            test = np.zeros(len(x), dtype=bool)
            test[r["test_rows"]] = True
            x_train, x_test = standardise(x[~test], x[test])
            y_train, y_test = y[~test], y[test]
            if regression:  # fnn standardises the target too; R^2 is the same in either unit
                y_train, y_test = standardise(y_train, y_test)
            row = rows.setdefault(r["table"], {"table": r["table"], "metric": "R^2" if regression else "accuracy",
                                               "fnn": [], "scikit-learn": [], "pytorch": []})
            row["fnn"].append((r["score"], r["seconds"]))
            row["scikit-learn"].append(sklearn_run(x_train, y_train, x_test, y_test, regression, args.epochs, seed))
            row["pytorch"].append(torch_run(x_train, y_train, x_test, y_test, regression, args.epochs, seed))
    libraries = ("fnn", "scikit-learn", "pytorch")
    rows = list(rows.values())
    for row in rows:  # the mean over the seeds, with each seed's figures kept
        for k in libraries:
            runs = row[k]
            scores = [float(r[0]) for r in runs]
            row[k] = {"score": float(np.mean(scores)), "seconds": float(np.mean([r[1] for r in runs])),
                      "standard_error": float(np.std(scores, ddof=1) / np.sqrt(len(scores))) if len(scores) > 1 else 0.0,
                      "scores": scores}

    print(f"{'table':14} {'metric':9} {'fnn':>22} {'scikit-learn':>22} {'PyTorch':>22}\n"
          f"(mean test score ± its standard error, and mean training seconds, over {args.seeds} seeds)")
    for row in rows:
        cells = [f"{row[k]['score']:.4f}±{row[k]['standard_error']:.4f} {row[k]['seconds']:5.2f}s" for k in libraries]
        print(f"{row['table']:14} {row['metric']:9} " + " ".join(f"{c:>22}" for c in cells))

    record.update({"threads": 1, "epochs": args.epochs, "seeds": args.seeds, "rows": rows})
    print(f"record: {write_record(record, args.json)}")

if __name__ == "__main__":
    sys.exit(main())
