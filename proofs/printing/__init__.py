"""Printing of statements, certificates and documents: one printer class per output format, each
dispatching on the class of what it prints (`_print_<Class>`, as sympy's printers do).

    latex(expr_or_statement)      LaTeX in the notation of THEORY §0 (StatementLatexPrinter)
    markdown(expr_or_statement)   Markdown with GitHub math (StatementMarkdownPrinter)
    appendix(...)                 the LaTeX appendix (fragment or standalone document)
    theory_notes(registry)        the Markdown pages of docs/theory
"""
from forgetcheck.printing.certificate import Certificate, certificates, entries_from_last_run, entries_from_report
from forgetcheck.printing.latex import StatementLatexPrinter, appendix, find_figures, latex, statement_latex
from forgetcheck.printing.markdown import StatementMarkdownPrinter, markdown, theory_notes

__all__ = ["Certificate", "certificates", "entries_from_last_run", "entries_from_report",
           "StatementLatexPrinter", "appendix", "find_figures", "latex", "statement_latex",
           "StatementMarkdownPrinter", "markdown", "theory_notes"]
