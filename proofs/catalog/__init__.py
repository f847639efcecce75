"""The statements of THEORY.md, one module per section. Each module defines THEOREMS."""
