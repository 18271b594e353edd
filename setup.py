"""The one compiled part: the page-span allocator for CTranslate2's CPU tensors (longscribe/engines/pageheap.py).

Optional: where it cannot be built (no C compiler, Windows), longscribe installs and runs without it.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "longscribe.engines._pageheap",
            sources=["src/longscribe/engines/_pageheap.c"],
            extra_compile_args=["-O2", "-Wall"],
            optional=True,
        )
    ]
)
