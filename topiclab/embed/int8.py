"""Int8 copies of sentence-transformers models for ONNX Runtime: about twice fp32 torch's speed on a CPU.

A model is exported once from its local weights: the whole sentence-transformers pipeline (transformer,
pooling, normalization) as one ONNX graph, fused by ONNX Runtime's transformer optimizer, quantized
dynamically to int8 (per-channel weights of 7 bits, see `_quantize`) and checked against the fp32 model on a
few sentences. It is written to `<cache folder>/onnx/<model>-<digest>/` and reused by every later process.
Processes that export at once each build a temporary folder and rename it into place: the first wins, the
others use it. Texts are tokenized as the sentence-transformers model tokenizes them, so token counts,
truncation and windows are the same as in fp32: by its tokenizer alone (`Tokenization`, saved beside the
int8 copy once checked against the model on the probe sentences), so that a process embedding with the int8
copy imports neither sentence-transformers nor torch (30 s on a slow 2-core machine); by the model itself
for a model whose tokenizer gives anything else.

sentence-transformers' own `backend="onnx"` needs optimum, whose releases pin older transformers than
topiclab runs; the steps here are the same ones (torch's ONNX exporter, `quantize_dynamic`).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from topiclab.files import read_json, slugify, umask, write_json, write_text
from topiclab.progress import quiet_logger, stage

log = logging.getLogger(__name__)

# What decides the exported file: part of its folder's name and of the vectors' cache key. Change it
# whenever the export below changes, so that no vector from the old recipe answers for the new one.
RECIPE = "onnxruntime-dynamic-int8-per-channel-7bit-fused-v2"
#: How texts are run through it; with RECIPE, part of the vectors' cache key (not of the exported file).
ENCODING = "one-text-per-run"
_MIN_COSINE = 0.97  # int8 against fp32 on the probe sentences; MiniLM measures 0.99
_STALE_SECONDS = 3600  # a temporary export folder this old was left by a killed process
_PROBES = [
    "The match ended in a goalless draw after extra time.",
    "Shares fell sharply on Wall Street as investors worried about interest rates.",
    "How do I replace the hard drive in my laptop without losing data?",
    "Parliament passed the bill by a narrow margin.",
    "a small white flower",
    " ".join(["The new telescope photographed a distant galaxy and its neighbours in remarkable detail."] * 40),
]


class ExportError(Exception):
    """The model could not be exported to int8 (the message says why)."""


def missing_runtime() -> Optional[str]:
    """The package the int8 path lacks here, or None when it can run."""
    for module in ("onnxruntime", "onnx"):
        if importlib.util.find_spec(module) is None:
            return module
    return None


def export_folder(cache_dir: Path, name: str, identity: dict) -> Path:
    """Where the int8 copy of the model with this (fp32) identity lives."""
    digest = hashlib.sha256(json.dumps({**identity, "recipe": RECIPE}, sort_keys=True).encode()).hexdigest()[:12]
    return Path(cache_dir) / "onnx" / f"{slugify(name.replace('/', '--'), 'model')}-{digest}"


def failure_file(folder: Path) -> Path:
    """Written when an export fails for a reason that retrying would not change; delete it to retry."""
    return folder.with_name(f"{folder.name}.failed.json")


def load_int8(folder: Path, source: str, load_model: Callable[[], object],
              threads: Optional[int] = None) -> tuple["Int8Encoder", Optional["Tokenization"]]:
    """The int8 model in `folder` and, when it was saved there, the tokenizer that stands in for the model.
    `load_model()` gives the fp32 sentence-transformers model (`source` is its name or path); it is called
    only to export the model (when absent), or to tokenize when no checked tokenizer is saved yet.
    Raises ExportError when the model cannot be exported, OSError when the folder cannot be written."""
    model_file = folder / "model.onnx"
    if not model_file.exists():
        failed = read_json(failure_file(folder))
        if failed:
            raise ExportError(failed.get("error", "an earlier export failed"))
        _export(folder, source, load_model())
    tokenization = Tokenization.load(folder)
    if tokenization is not None:
        return Int8Encoder(model_file, tokenization.features, threads), tokenization
    model = load_model()
    tokenization = Tokenization.save_if_same(folder, model)  # exported before tokenizers were saved
    preprocess = tokenization.features if tokenization is not None else _model_preprocess(model)
    return Int8Encoder(model_file, preprocess, threads), tokenization


def _model_preprocess(model) -> Callable[[str], dict[str, np.ndarray]]:
    def preprocess(text: str) -> dict[str, np.ndarray]:
        return {name: value.numpy() for name, value in model.preprocess([text]).items() if hasattr(value, "numpy")}
    return preprocess


class Tokenization:
    """The model's tokenizer without the model: Hugging Face's `tokenizers` (Rust, no torch) loaded from the
    `tokenizer.json` the model's own fast tokenizer serializes, truncating at the model's window."""

    TOKENIZER_FILE = "tokenizer.json"
    SETTINGS_FILE = "tokenization.json"

    def __init__(self, tokenizer_json: str, max_seq_length: int):
        from tokenizers import Tokenizer

        self.max_seq_length = max_seq_length
        self._truncating = Tokenizer.from_str(tokenizer_json)
        self._truncating.no_padding()
        self._truncating.enable_truncation(max_length=max_seq_length)
        self._whole = Tokenizer.from_str(tokenizer_json)
        self._whole.no_padding()
        self._whole.no_truncation()

    @classmethod
    def load(cls, folder: Path) -> Optional["Tokenization"]:
        """The tokenizer saved in `folder`, or None when none is (or its files are damaged)."""
        settings = read_json(folder / cls.SETTINGS_FILE)
        try:
            return cls((folder / cls.TOKENIZER_FILE).read_text(encoding="utf-8"), int(settings["max_seq_length"]))
        except Exception:  # noqa: BLE001 - missing, partial or unreadable: the model tokenizes instead
            return None

    @classmethod
    def save_if_same(cls, folder: Path, model) -> Optional["Tokenization"]:
        """Save the model's tokenizer in `folder` when it gives exactly what the model's preprocessing, token
        counts and offsets give on the probe sentences; None (nothing saved) for a model it does not match."""
        try:
            tokenizer_json = model.tokenizer.backend_tokenizer.to_str()
            tokenization = cls(tokenizer_json, int(model.max_seq_length))
        except Exception:  # noqa: BLE001 - not a fast tokenizer, no window: the model tokenizes
            return None
        if not tokenization.matches(model):
            log.info("The tokenizer of %s differs from its preprocessing; the model tokenizes its texts.", folder.name)
            return None
        try:
            write_text(folder / cls.TOKENIZER_FILE, tokenizer_json)
            write_json(folder / cls.SETTINGS_FILE, {"max_seq_length": tokenization.max_seq_length})
        except OSError as exc:  # a read-only cache: the next process checks again
            log.warning("Could not save the tokenizer beside %s: %s", folder, exc)
        return tokenization

    def matches(self, model) -> bool:
        probes = [*_PROBES, "", "  Spaces,\ttabs\nand ÜNICODE café 😀  "]
        preprocess = _model_preprocess(model)
        for text in probes:
            expected, ours = preprocess(text), self.features(text)
            if set(ours) - set(expected) or any(not np.array_equal(expected[k], v) for k, v in ours.items()):
                return False
        counts = model.tokenizer(probes, add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
        offsets = [model.tokenizer(t, add_special_tokens=False, return_offsets_mapping=True, truncation=False,
                                   verbose=False)["offset_mapping"] for t in probes]
        return (self.token_counts(probes).tolist() == [len(ids) for ids in counts]
                and [self.offsets(t) for t in probes] == [[tuple(o) for o in each] for each in offsets])

    def features(self, text: str) -> dict[str, np.ndarray]:
        """The model's inputs for one text (a batch of one), as its preprocessing gives them."""
        encoding = self._truncating.encode(text)
        return {"input_ids": np.array([encoding.ids], np.int64),
                "attention_mask": np.array([encoding.attention_mask], np.int64),
                "token_type_ids": np.array([encoding.type_ids], np.int64)}

    def token_counts(self, texts: list[str]) -> np.ndarray:
        """Tokens per text with the special tokens and no truncation."""
        return np.array([len(e.ids) for e in self._whole.encode_batch(texts, add_special_tokens=True)], np.int64)

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Each token's character span (no special tokens, no truncation)."""
        return [tuple(span) for span in self._whole.encode(text, add_special_tokens=False).offsets]


class Int8Encoder:
    """Runs an exported model on texts made into its inputs by `preprocess` (one text at a time).

    `threads` is ONNX Runtime's intra-op thread count; None keeps its default, one per physical core,
    which measured fastest on 2 cores (see benchmarks/bench_embed.py).
    """

    def __init__(self, model_file: Path, preprocess: Callable[[str], dict[str, np.ndarray]],
                 threads: Optional[int] = None):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.dim = self.session.get_outputs()[0].shape[1]
        self.preprocess = preprocess

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """One text per run, whatever `batch_size`: dynamic quantization scales a batch's activations together,
        so in a batch a text's vector would depend on its neighbours (and a cached vector differ from a fresh
        one); alone it does not, and with no padding it is also faster on a CPU (about 1.4x on 20 Newsgroups)."""
        vectors = np.empty((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            features = self.preprocess(text)
            vectors[i] = self.session.run(None, {n: features[n] for n in self.input_names})[0][0]
        return vectors


def _export(folder: Path, source: str, model) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_exports(folder.parent)
    name = folder.name.rsplit("-", 1)[0].replace("--", "/")  # e.g. sentence-transformers/all-MiniLM-L6-v2
    log.info("Exporting %s to int8 for ONNX Runtime into %s; later runs reuse it.", name, folder)
    started = time.perf_counter()
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    with stage(f"Exporting {name} to int8, once (under a minute)", True):  # a widget in notebooks
        _export_into(staging, folder, source, model, started)


def _export_into(staging: Path, folder: Path, source: str, model, started: float) -> None:
    try:
        work = staging / "work"
        work.mkdir()
        try:
            graph = _fuse(_export_fp32(source, work / "fp32.onnx"), work / "fused.onnx", model)
            _quantize(graph, staging / "model.onnx")
            shutil.rmtree(work)
            cosine = _check(Int8Encoder(staging / "model.onnx", _model_preprocess(model)), model)
        except OSError:
            raise
        except Exception as exc:  # the exporter, optimizer or quantizer refused this model
            error = f"{type(exc).__name__}: {exc}"[:500]
            write_json(failure_file(folder), {"source": source, "recipe": RECIPE, "error": error})
            raise ExportError(error) from None
        write_json(staging / "export.json", {"source": source, "recipe": RECIPE, "min_probe_cosine": round(cosine, 4),
                                             "seconds": round(time.perf_counter() - started, 1), **_versions()})
        os.chmod(staging, 0o777 & ~umask())  # mkdtemp makes it private; the cache may be shared
        try:
            os.rename(staging, folder)
        except OSError:
            if not (folder / "model.onnx").exists():
                raise
            log.info("Another process exported %s first; using its copy.", folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _export_fp32(source: str, path: Path) -> Path:
    """The whole pipeline as one ONNX graph, from a copy loaded with plain ("eager") attention, whose
    pattern ONNX Runtime's optimizer fuses (PyTorch's fused attention kernel exports unfused)."""
    import torch
    from sentence_transformers import SentenceTransformer

    class Pipeline(torch.nn.Module):
        """The sentence-transformers model as a function of its tensor inputs, as the exporter wants it."""

        def __init__(self, model, names: list[str]):
            super().__init__()
            self.model, self.names = model, names

        def forward(self, *tensors):
            return self.model(dict(zip(self.names, tensors)))["sentence_embedding"]

    model = SentenceTransformer(source, device="cpu", model_kwargs={"attn_implementation": "eager"}).eval()
    sample = model.preprocess(["A short sentence.", "A somewhat longer sentence, so that the batch has padding."])
    names = [name for name, value in sample.items() if isinstance(value, torch.Tensor)]
    axes = {name: {0: "batch", 1: "tokens"} for name in names}
    with warnings.catch_warnings(), quiet_logger("torch.onnx"):
        warnings.simplefilter("ignore")
        torch.onnx.export(Pipeline(model, names), tuple(sample[n] for n in names), str(path), dynamo=False,
                          input_names=names, output_names=["sentence_embedding"], opset_version=17,
                          dynamic_axes={**axes, "sentence_embedding": {0: "batch"}})
    return path


def _fuse(source: Path, path: Path, model) -> Path:
    """Attention, layer norms and GELU fused into single operators (about 1.3x faster once quantized);
    a model whose graph the optimizer does not know is quantized unfused."""
    try:
        from onnxruntime.transformers.optimizer import optimize_model

        config = model[0].auto_model.config
        with quiet_logger("onnxruntime"), quiet_logger("fusion"):
            optimized = optimize_model(str(source), model_type="bert", num_heads=config.num_attention_heads,
                                       hidden_size=config.hidden_size)
        optimized.save_model_to_file(str(path))
        return path
    except Exception as exc:
        log.info("ONNX Runtime's optimizer could not fuse this model (%s); quantizing it unfused.", exc)
        return source


def _quantize(source: Path, path: Path) -> None:
    """Weights in 7 bits (`reduce_range`): on CPUs without AVX-512 VNNI (AVX2 only) ONNX Runtime multiplies
    uint8 activations by int8 weights in pairs summed into int16, which saturates with 8-bit weights; with 7
    it cannot, so both kinds of CPU compute the same integers. On 200 M10 titles with AVX2 emulated by QEMU,
    8-bit vectors differed between the two kinds down to cosine 0.968 and 7-bit ones were bit-identical for
    most texts (cosine to fp32: 7-bit 0.9917 on both; 8-bit 0.9929 with VNNI, 0.9913 without);
    benchmarks/bench_cross_cpu.py measures the 7-bit copy on 3,000 (2,412 bit-identical)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with quiet_logger(""):  # the quantizer suggests, through the root logger, a pre-processing step it does not need here
        quantize_dynamic(str(source), str(path), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def _check(encoder: Int8Encoder, model) -> float:
    """The smallest cosine between int8 and fp32 vectors of the probe sentences; too small fails the export."""
    int8 = encoder.encode(_PROBES)
    fp32 = model.encode(_PROBES, convert_to_numpy=True, show_progress_bar=False)
    cosine = np.sum(int8 * fp32, axis=1) / (np.linalg.norm(int8, axis=1) * np.linalg.norm(fp32, axis=1) + 1e-12)
    if cosine.min() < _MIN_COSINE:
        raise ValueError(f"int8 vectors differ too much from fp32 (cosine {cosine.min():.3f} < {_MIN_COSINE})")
    return float(cosine.min())


def _remove_stale_exports(directory: Path) -> None:
    for stale in directory.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > _STALE_SECONDS:
                shutil.rmtree(stale)


def _versions() -> dict:
    import onnxruntime
    import torch

    return {"onnxruntime": onnxruntime.__version__, "torch": torch.__version__}
