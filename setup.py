"""The one compiled module (the stream's hot loop, polybot/polymarket/_bookcore.c).

Everything else about the package is in pyproject.toml. The module is
optional: without a C compiler the install still succeeds and
polybot.polymarket.bookcore uses its pure-Python twin (slower, same books).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "polybot.polymarket._bookcore",
            ["polybot/polymarket/_bookcore.c"],
            extra_compile_args=[
                "-O2",
                "-Wall",
                "-Werror=implicit-function-declaration",
            ],
            optional=True,
        )
    ]
)
