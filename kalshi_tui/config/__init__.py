"""Configuration: the `Settings` model, the loader and its `ConfigError`.

Typical use::

    from kalshi_tui.config import ConfigError, load_settings

    settings = load_settings(args.config)  # raises ConfigError listing every problem
    settings.base_url, settings.data_dir, settings.risk.max_order_contracts

The file format is documented field by field in `config.example.toml` at the repository root.
"""

from kalshi_tui.config.loader import load_settings, parse_settings, resolve_config_path
from kalshi_tui.config.models import (
    ENVIRONMENT_URLS,
    AlertSettings,
    ExchangeSettings,
    PollingSettings,
    RiskSettings,
    Settings,
    StorageSettings,
    UISettings,
)
from kalshi_tui.config.problems import ConfigError, Problem

__all__ = [
    "ENVIRONMENT_URLS",
    "AlertSettings",
    "ConfigError",
    "ExchangeSettings",
    "PollingSettings",
    "Problem",
    "RiskSettings",
    "Settings",
    "StorageSettings",
    "UISettings",
    "load_settings",
    "parse_settings",
    "resolve_config_path",
]
