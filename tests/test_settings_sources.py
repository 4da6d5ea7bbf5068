"""Every place that knows a bot setting agrees with its one declaration
(trading/core/bot_settings.py): the BotConfig columns, the environment reader, the dashboard
form, admin, the API schema, the README's and docs/operations.md's settings tables. And no
code spells a setting's default a second time (the declaration is the only home)."""

from __future__ import annotations

import ast
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from dashboard.api import api
from dashboard.forms import BotConfigForm, StrategyForm
from mmsite.strategy_defaults import read_setting
from trading.core.bot_settings import DEFAULTS, GROUPS, SPEC, names_in
from trading.models import SMALLEST_POSITIVE, BotConfig

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- the model's columns


@pytest.mark.parametrize("name", list(SPEC))
def test_each_column_is_built_from_its_declaration(name):
    setting, field = SPEC[name], BotConfig._meta.get_field(name)
    assert isinstance(field, models.Field)
    assert field.default == setting.stored_default and field.help_text == setting.help
    if setting.choices:
        assert isinstance(field, models.CharField) and list(field.choices or []) == list(
            setting.choices
        )
        return
    lows = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
    highs = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
    assert max(highs) == setting.maximum
    assert max(lows) == (SMALLEST_POSITIVE if setting.above_minimum else setting.minimum)
    if setting.kind is int:
        assert isinstance(field, models.PositiveIntegerField)
    else:
        assert isinstance(field, models.DecimalField)
        assert (field.max_digits, field.decimal_places) == (setting.digits, setting.places)


def test_the_row_gives_the_typed_settings():
    row = BotConfig(name="x", **DEFAULTS.stored())
    assert row.strategy_values() == DEFAULTS.stored() and row.settings() == DEFAULTS


# ---------------------------------------------------------------- the environment reader


def test_the_env_defaults_are_the_declared_ones():
    assert DEFAULTS.stored() == settings.BOT_DEFAULTS
    assert list(settings.BOT_DEFAULTS) == list(SPEC)


@pytest.mark.parametrize("name", list(SPEC))
def test_each_variable_is_read_with_its_declared_bounds(name, monkeypatch):
    setting = SPEC[name]
    monkeypatch.delenv(setting.env, raising=False)
    assert read_setting(setting) == setting.stored_default
    if setting.choices:
        monkeypatch.setenv(setting.env, "not-a-choice")
    elif setting.above_minimum:
        monkeypatch.setenv(setting.env, str(setting.minimum))
    else:
        monkeypatch.setenv(setting.env, str(setting.maximum + 1))
    with pytest.raises(ImproperlyConfigured, match=f"^{setting.env}="):
        read_setting(setting)


# ---------------------------------------------------------------- forms, admin, API


def test_the_forms_take_every_setting_with_its_words():
    assert StrategyForm._meta.fields == tuple(SPEC)
    form = BotConfigForm(instance=BotConfig(**DEFAULTS.stored()))
    for name, field in form.fields.items():
        assert field.label == SPEC[name].shown_label, name
    assert form.fields["quote_strategy"].choices == [("spread", "spread"), ("band", "band")]
    assert "Position limit must be more than 0 USD" in str(
        BotConfigForm._meta.error_messages["max_notional"]["min_value"]
    )


def test_admin_shows_every_setting_once_in_its_group():
    from django.contrib import admin

    fieldsets = admin.site._registry[BotConfig].fieldsets
    shown = [f for _title, options in fieldsets for f in options["fields"]]
    assert sorted(set(SPEC) & set(shown)) == sorted(SPEC)
    assert len([f for f in shown if f in SPEC]) == len(SPEC)
    titles = [title for title, _options in fieldsets]
    for group, title in GROUPS.items():
        assert (title in titles) == bool(set(names_in(group)) - {"symbol"}), group


def test_the_api_schema_takes_every_setting_with_its_bounds_and_choices():
    schema = api.get_openapi_schema()["components"]["schemas"]["ConfigIn"]["properties"]
    assert set(SPEC) <= set(schema)
    for name, setting in SPEC.items():
        prop = schema[name]
        if setting.choices:
            assert prop["enum"] == list(setting.values), name
        elif setting.kind is int:
            assert (prop["minimum"], prop["maximum"]) == (setting.minimum, setting.maximum)
        else:
            number = prop["anyOf"][0]
            assert number["maximum"] == float(setting.maximum), name


# ---------------------------------------------------------------- the docs' tables


def table_defaults(path: Path) -> dict[str, list[str]]:
    """`VARIABLE` -> the second cell of each table row whose first cell names it."""
    found: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) > 2:
            for variable in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
                found.setdefault(variable, []).append(cells[1])
    return found


def same_default(cell: str, default: str) -> bool:
    shown = re.match(r"`([^`]*)`", cell)
    if shown is None:
        return False
    try:
        return Decimal(shown.group(1)) == Decimal(default)
    except InvalidOperation:
        return shown.group(1) == default


def test_the_readme_lists_every_setting_with_its_default():
    rows = table_defaults(ROOT / "README.md")
    for setting in SPEC.values():
        assert setting.env in rows, f"README's settings table lacks {setting.env}"
        assert any(same_default(c, setting.default_text) for c in rows[setting.env]), (
            f"README shows {setting.env} defaulting to {rows[setting.env]}, "
            f"not {setting.default_text}"
        )


def test_operations_md_names_each_setting_with_its_default():
    rows = table_defaults(ROOT / "docs" / "operations.md")
    for setting in SPEC.values():
        for cell in rows.get(setting.env, []):
            if cell.startswith("`"):
                assert same_default(cell, setting.default_text), (setting.env, cell)


def test_the_table_reader_sees_a_wrong_default():
    assert not same_default("`40.0`", "50.0") and same_default("`50` (off)", "50.0")


# ---------------------------------------------------------------- no second default


CODE = [
    path
    for package in ("trading", "dashboard", "mmsite", "bench")
    for path in (ROOT / package).rglob("*.py")
    if "migrations" not in path.parts and path.name != "bot_settings.py"
]


def second_defaults(source: str) -> list[str]:
    """Places where code spells a setting's default (or falls back to one): a setting's name
    or variable followed by its own default (`"uptime_band_bps", "10"`,
    `"FLATTEN_MAKER_SECONDS", 3`, `snapshot.get("spread_bps", "50")`), and any fallback read
    of a configuration mapping (`values.get("setting", ...)`, `getattr(x, "setting", ...)`)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        args, func = node.args, node.func
        if _fallback_read(func, args):
            found.append(f"line {node.lineno}: a fallback read of {_constant(args[-2])!r}")
        for first, second in zip(args, args[1:], strict=False):
            key, value = _constant(first), _constant(second)
            setting = next((s for s in SPEC.values() if key in (s.name, s.env)), None)
            if setting is not None and _equal(value, setting.default_text):
                found.append(f"line {node.lineno}: {key!r}, {value!r}")
    return found


def _fallback_read(func: ast.expr, args: list[ast.expr]) -> bool:
    if isinstance(func, ast.Name) and func.id == "getattr":
        return len(args) == 3 and _constant(args[1]) in SPEC
    if not (isinstance(func, ast.Attribute) and func.attr == "get" and len(args) == 2):
        return False
    receiver = ast.unparse(func.value).lower()
    return _constant(args[0]) in SPEC and any(
        word in receiver for word in ("values", "config", "settings", "defaults")
    )


def _constant(node: ast.expr) -> object:
    if isinstance(node, ast.Call) and node.args and getattr(node.func, "id", "") == "Decimal":
        node = node.args[0]
    return node.value if isinstance(node, ast.Constant) else None


def _equal(value: object, default: str) -> bool:
    if value is None or isinstance(value, bool):
        return False
    try:
        return Decimal(str(value)) == Decimal(default)
    except InvalidOperation:
        return str(value) == default


def test_no_code_spells_a_settings_default_a_second_time():
    found = {
        str(path.relative_to(ROOT)): hits
        for path in CODE
        if (hits := second_defaults(path.read_text()))
    }
    assert found == {}


@pytest.mark.parametrize(
    "snippet",
    [
        'band = Decimal(str(values.get("uptime_band_bps", "10")))',
        'maker_s = float(self.state.values.get("flatten_maker_seconds", 3) or 0)',
        'x = env_decimal("SPREAD_BPS", "50.0", minimum=Decimal("0"))',
        'name = values.get("quote_strategy", SPREAD)',
        'spread = snapshot.get("spread_bps", "50")',
        'f(Decimal("10"), "uptime_band_bps", Decimal("10"))',
        'getattr(config, "spread_bps", None)',
    ],
)
def test_the_check_sees_a_second_default(snippet):
    assert second_defaults(snippet)


def test_the_check_leaves_other_code_alone():
    assert not second_defaults('x = values["spread_bps"]; y = f("spread_bps", "SPREAD_BPS")')
    assert not second_defaults('symbol = snapshot.get("symbol", "?")')


# ---------------------------------------------------------------- no strategy by name

REGISTRY = ("strategies.py", "strategy.py", "strategy_spread.py", "strategy_band.py")


def strategy_comparisons(source: str) -> list[str]:
    """Comparisons with a strategy's name (`x == "band"`, `name in ("spread",)`): only the
    registry (trading/core/strategies.py) may tell strategies apart."""
    names = set(SPEC["quote_strategy"].values)
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for side in [node.left, *node.comparators]:
                values = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                if any(_constant(v) in names for v in values):
                    found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_no_code_tells_strategies_apart_by_name():
    code = {
        str(path.relative_to(ROOT)): hits
        for path in CODE
        # bench/'s rows are named after their strategy: labels, not a strategy's rules
        if path.name not in REGISTRY
        and path.parts[len(ROOT.parts)] != "bench"
        and (hits := strategy_comparisons(path.read_text()))
    }
    names = "|".join(SPEC["quote_strategy"].values)
    compared = re.compile(r"""(==|!=)\s*["'](""" + names + r""")["']""")
    templates = {
        str(path.relative_to(ROOT)): line
        for path in (ROOT / "templates").rglob("*.html")
        for line in path.read_text().splitlines()
        if compared.search(line)
    }
    assert code == {} and templates == {}


def test_the_name_check_sees_a_comparison():
    assert strategy_comparisons('if values.get("quote_strategy") == "band": pass')
    assert strategy_comparisons('ok = name in ("spread", "x")')
    assert not strategy_comparisons('changes = {"quote_strategy": "band"}')
