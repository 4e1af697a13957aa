"""One models root (``<root>/<org>/<name>``) made of symlinks to model folders."""

from __future__ import annotations

from pathlib import Path


def link_models(dest: Path, *model_dirs: Path) -> Path:
    """Link each ``.../<org>/<name>`` folder as ``dest/<org>/<name>`` and return ``dest``.

    A link that already points at the same folder is kept; one pointing elsewhere is replaced.
    """
    for model_dir in model_dirs:
        model_dir = model_dir.resolve()
        if not (model_dir / "config.json").is_file():
            raise FileNotFoundError(
                f"{model_dir} is not a model folder (it has no config.json); "
                "pass the folders the model builders return."
            )
        link = dest / model_dir.parent.name / model_dir.name
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            if link.resolve() == model_dir:
                continue
            link.unlink()
        link.symlink_to(model_dir, target_is_directory=True)
    return dest
