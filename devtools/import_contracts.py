"""An import-linter contract: a bounded context is imported only through its public module.

For each listed context package, a module outside it may import the package itself (Django's
app loading does) and `<context>.public`; importing anything else inside the context from
outside breaks the contract. That rule is what lets a context move behind a remote adapter.
"""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output


class PublicModuleContract(Contract):
    type_name = "public_module"

    contexts = fields.ListField(subfield=fields.StringField())
    public_module = fields.StringField(required=False, default="public")

    def check(self, graph, verbose: bool) -> ContractCheck:
        violations: list[dict[str, object]] = []
        for context in self.contexts:  # type: ignore[attr-defined]
            allowed = {context, f"{context}.{self.public_module}"}
            inside = {context} | graph.find_descendants(context)
            for target in sorted(inside - allowed):
                for importer in sorted(graph.find_modules_that_directly_import(target)):
                    if importer == context or importer.startswith(context + "."):
                        continue
                    details = graph.get_import_details(importer=importer, imported=target)
                    lines = [d["line_number"] for d in details] or ["?"]
                    violations.append({"importer": importer, "imported": target, "lines": lines})
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for v in check.metadata["violations"]:
            lines = ", ".join(str(n) for n in v["lines"])
            output.print_error(
                f"{v['importer']} imports {v['imported']} (l. {lines}): import the context's public module instead",
                bold=False,
            )
            output.new_line()
