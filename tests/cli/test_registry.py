"""The component registry: duplicate names raise, unknown names list the known ones and a hint."""

from __future__ import annotations

import pytest

from xner.core.errors import UnknownComponentError
from xner.core.plugins import Registry


@pytest.fixture()
def family() -> Registry:
    reg: Registry = Registry(f"test-family-{id(object())}")
    yield reg
    Registry._families.pop(reg.family)


def test_register_and_build(family: Registry) -> None:
    @family.register("double")
    def double(x: int) -> int:
        """Twice x."""
        return 2 * x

    assert family.build("double", 21) == 42
    assert family.names() == ["double"]
    assert family.describe() == {"double": "Twice x."}
    assert "double" in family


def test_duplicate_name_raises(family: Registry) -> None:
    family.register("a")(lambda: 1)
    with pytest.raises(ValueError, match="registered twice"):
        family.register("a")(lambda: 2)


def test_unknown_name_lists_known_and_closest(family: Registry) -> None:
    for name in ("language", "order", "entity-language"):
        family.register(name)(lambda: None)
    with pytest.raises(UnknownComponentError) as err:
        family.get("langauge")
    msg = str(err.value)
    assert "unknown" in msg and "'langauge'" in msg
    assert "entity-language, language, order" in msg
    assert "did you mean 'language'?" in msg


def test_unknown_name_without_close_match_has_no_hint(family: Registry) -> None:
    family.register("language")(lambda: None)
    with pytest.raises(UnknownComponentError) as err:
        family.get("zzzzzz")
    assert "did you mean" not in str(err.value)


def test_duplicate_family_raises(family: Registry) -> None:
    with pytest.raises(ValueError, match="already exists"):
        Registry(family.family)


def test_builtin_families_exist() -> None:
    import xner.registry  # noqa: F401  (registers the components)

    fams = Registry.families()
    for name in ("encoders", "translators", "discriminators", "teachers", "selectors", "methods"):
        assert name in fams
    assert {"hf", "tiny"} <= set(fams["encoders"].names())
    with pytest.raises(UnknownComponentError, match="known families"):
        Registry.family_of("nope")


def test_every_registered_component_has_its_own_description() -> None:
    """`xner components` must describe each name, never print dict's docstring for a spec."""
    import xner.registry  # noqa: F401
    from xner.core.plugins import Registry

    builtin = {t.__doc__.strip().splitlines()[0] for t in (dict, list, str, tuple, object)}
    for family, reg in Registry.families().items():
        for name, doc in reg.describe().items():
            assert len(doc) > 20 and doc not in builtin, (family, name, doc)


def test_a_spec_value_without_a_doc_is_described_as_empty_not_as_its_type() -> None:
    from xner.core.plugins import Registry

    reg = Registry("test-specs-doc")
    try:
        reg.register("plain")({"kind": "x"})
        reg.register("told", "what it is")({"kind": "y"})
        assert reg.describe() == {"plain": "", "told": "what it is"}
    finally:
        del Registry._families["test-specs-doc"]  # not a family `xner components` should list
