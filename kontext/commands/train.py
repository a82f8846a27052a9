"""`kontext train`: retrain the tagger's classifiers from config/training/*.jsonl, reproducibly."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--config",
    "config_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder with sectors.yaml & co. (default: the configured config folder).",
)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of labelled *.jsonl training files (default: <config>/training).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the model (default: pipelines/tagging_model, which the tagger loads).",
)
@click.option("--seed", type=int, default=None, help="Random seed (default 13); same seed, same model.")
@click.option("--epochs", type=click.IntRange(1, 200), default=None, help="Training passes (default 25).")
@click.option(
    "--folds",
    type=click.IntRange(0, 20),
    default=0,
    help="Also estimate quality by k-fold cross-validation on the training data (0 = skip).",
)
def train(
    config_dir: Path | None,
    data_dir: Path | None,
    out_dir: Path | None,
    seed: int | None,
    epochs: int | None,
    folds: int,
) -> None:
    """Train the sector, topic, format and audience classifiers (fixed seed, about 10 seconds).

    \b
    kontext train              # retrain after editing config/training/*.jsonl
    kontext train --folds 5    # and print cross-validated quality
    """
    from kontext.settings import load_settings
    from pipelines.tagging.model import MODEL_DIR
    from pipelines.tagging.training import DEFAULT_EPOCHS, DEFAULT_SEED, cross_validate
    from pipelines.tagging.training import train as train_model

    config_dir = config_dir or load_settings().config_dir
    data_dir = data_dir or config_dir / "training"
    seed = DEFAULT_SEED if seed is None else seed
    epochs = epochs or DEFAULT_EPOCHS
    if folds > 1:
        scores = cross_validate(config_dir, data_dir, folds=folds, seed=seed, epochs=epochs)
        click.echo(
            f"{folds}-fold cross-validation on {scores['examples']} examples: "
            f"sectors micro-F1 {scores['sectors_micro_f1']:.3f}, format accuracy {scores['format_accuracy']:.3f}, "
            f"audience accuracy {scores['audience_accuracy']:.3f}"
        )
    report = train_model(config_dir, data_dir, out_dir or MODEL_DIR, seed=seed, epochs=epochs)
    click.echo(
        f"trained on {report.examples} examples (seed {seed}, {epochs} epochs, final loss {report.losses[-1]:.3f}, "
        f"data {report.data_hash}); model written to {report.path}"
    )
