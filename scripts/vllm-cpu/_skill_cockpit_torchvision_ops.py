"""Let PyPI's (CUDA) torchvision import beside the CPU build of torch, in .venv-vllm only.

vLLM's Qwen3.5 model imports transformers' Qwen2-VL/Qwen3-VL processors, which import
torchvision's Python transforms. PyPI has torchvision only as a CUDA build: its C++ ops cannot
load against `torch==2.13.0+cpu`, and its import then fails at
`register_fake("torchvision::nms")` ("operator torchvision::nms does not exist"). Before
torchvision is first imported, this declares the schemas of those two ops (no kernels), so the
import succeeds; text-only generation never calls them. `scripts/setup.sh --vllm` installs it
(with a .pth file) only where that import fails without it.
"""

import sys


class _DeclareTorchvisionOps:
    def find_spec(self, name, path=None, target=None):  # noqa: ANN001, ANN201 - importlib protocol
        if name == "torchvision":
            sys.meta_path.remove(self)
            import torch

            for op in ("nms", "qnms"):
                try:
                    getattr(torch.ops.torchvision, op)
                except (AttributeError, RuntimeError):
                    torch.library.define(
                        f"torchvision::{op}", "(Tensor dets, Tensor scores, float iou_threshold) -> Tensor"
                    )
        return None


sys.meta_path.insert(0, _DeclareTorchvisionOps())
