"""Translation providers behind one small interface.

A provider turns one chunk of text from one language into another::

    provider.translate(text, "ar", "en") -> str      # raises ProviderError

and says who it is (``name``, used in the cache key and the provenance) and,
where known, which model or version answered (``model``).

* :class:`DeepTranslatorProvider` — any provider of the ``deep-translator``
  package by name (``google`` by default; ``libre``, ``mymemory``, ``deepl``,
  ``microsoft``, ``yandex``, ``papago``, ``qcri``, ``baidu``, ``chatgpt``, …), with
  options given as ``name?key=value&key=value`` plus ``translator_url`` (LibreTranslate's
  ``custom_url``) and ``translator_api_key`` from the settings.
* :class:`ArgosProvider` — offline neural translation with ``argostranslate``,
  imported lazily and used only when its ar↔en language models are installed.

deep-translator calls ``requests.get/post`` without a timeout and drops the
response (so a 429's ``Retry-After`` is lost). :func:`_install_http_transport`
therefore gives deep-translator's modules — and only them — a stand-in for the
``requests`` module that sends the very same requests through a per-thread
``requests.Session`` (keep-alive) with a timeout, and remembers the last
response of the calling thread so errors can be classified and ``Retry-After``
honoured. Everything else in deep-translator (parameters, endpoints, parsing,
its own errors) runs unchanged.
"""

from __future__ import annotations

import email.utils
import inspect
import sys
import threading
import time
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

LANGUAGE_NAMES = {"ar": "arabic", "en": "english"}


class ProviderError(Exception):
    """A chunk could not be translated. ``transient`` errors are worth retrying."""

    def __init__(self, message: str, *, transient: bool, status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message)
        self.transient = transient
        self.status = status
        self.retry_after = retry_after


class ProviderUnavailable(RuntimeError):
    """The provider cannot be used at all here (package or models missing, bad name or options)."""


class Provider(Protocol):
    name: str
    model: str

    def translate(self, text: str, source: str, target: str) -> str: ...

    def close(self) -> None: ...


# --- the HTTP transport deep-translator gets --------------------------------------------------

_CALL = threading.local()  # .timeout for the current call, .response = last response seen
_installed = False
_install_lock = threading.Lock()


class _RequestsForDeepTranslator:
    """Stands in for ``requests`` inside deep_translator's modules: same calls, with timeout and keep-alive."""

    def __init__(self, requests_module):
        self._requests = requests_module
        self._local = threading.local()

    def __getattr__(self, name):  # exceptions, utils, … are the real ones
        return getattr(self._requests, name)

    def _session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._requests.Session()
            self._local.session = session
        return session

    def request(self, method: str, url: str, **kwargs):
        kwargs.setdefault("timeout", getattr(_CALL, "timeout", 20.0))
        response = self._session().request(method, url, **kwargs)
        _CALL.response = response
        return response

    def get(self, url, params=None, **kwargs):
        return self.request("GET", url, params=params, **kwargs)

    def post(self, url, data=None, json=None, **kwargs):
        return self.request("POST", url, data=data, json=json, **kwargs)


def _install_http_transport() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        import requests

        import deep_translator  # noqa: F401 - imports every provider module

        shim = _RequestsForDeepTranslator(requests)
        for name, module in list(sys.modules.items()):
            if name.startswith("deep_translator.") and getattr(module, "requests", None) is requests:
                module.requests = shim
        _installed = True


def _retry_after(response) -> float | None:
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


# --- deep-translator ------------------------------------------------------------------------


def parse_spec(spec: str) -> tuple[str, dict[str, object]]:
    """``'deepl?use_free_api=true&api_key=K'`` → ``('deepl', {'use_free_api': True, 'api_key': 'K'})``."""
    name, _, query = spec.strip().partition("?")
    options: dict[str, object] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        low = value.lower()
        if low in ("true", "yes", "on"):
            options[key] = True
        elif low in ("false", "no", "off"):
            options[key] = False
        else:
            try:
                options[key] = int(value)
            except ValueError:
                options[key] = value
    return name.strip().lower(), options


def deep_translator_classes() -> dict[str, type]:
    """deep-translator's translator classes by short name: google, libre, mymemory, deepl, …"""
    import deep_translator

    classes = {}
    for attr in dir(deep_translator):
        obj = getattr(deep_translator, attr)
        if isinstance(obj, type) and attr.endswith("Translator") and attr != "BaseTranslator":
            classes[attr[: -len("Translator")].lower()] = obj
    return classes


@dataclass
class _Config:
    cls: type
    options: dict


class DeepTranslatorProvider:
    """One deep-translator provider; a translator object per thread and language pair (they keep state)."""

    def __init__(self, spec: str = "google", *, url: str | None = None, api_key: str | None = None,
                 timeout: float = 20.0):
        _install_http_transport()
        name, options = parse_spec(spec or "google")
        classes = deep_translator_classes()
        if name not in classes:
            raise ProviderUnavailable(
                f"unknown translation provider '{name}': use one of none, argos, {', '.join(sorted(classes))}")
        cls = classes[name]
        accepted = inspect.signature(cls.__init__).parameters
        takes_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
        if api_key and "api_key" not in options and "api_key" in accepted:
            options["api_key"] = api_key
        if name == "libre":
            if url:
                options.setdefault("custom_url", url)
            if options.get("custom_url"):
                # deep-translator appends 'translate' to the URL: it must end with '/'.
                options["custom_url"] = str(options["custom_url"]).rstrip("/") + "/"
                options.setdefault("use_free_api", False)
            # LibreTranslator refuses to start without a key; a self-hosted server without keys ignores it.
            options.setdefault("api_key", "no-key")
        elif url:
            for key in ("custom_url", "base_url", "url"):
                if key in accepted:
                    options.setdefault(key, url)
                    break
        unknown = [k for k in options if k not in accepted and not takes_kwargs]
        if unknown:
            raise ProviderUnavailable(f"provider '{name}' does not take option(s) {', '.join(unknown)}")
        self.name = name
        self.timeout = timeout
        self.model = f"deep-translator {_version('deep-translator')} {cls.__name__}"
        if name == "libre" and options.get("custom_url"):
            parts = urlsplit(str(options["custom_url"]))
            self.model += f" @ {parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"
        self._config = _Config(cls, options)
        self._local = threading.local()
        # Build one now so bad options or languages fail at start-up, not per article.
        try:
            self._translator("ar", "en")
        except ProviderUnavailable:
            raise
        except Exception:  # noqa: BLE001 - e.g. a provider that asks the network for its languages: retried per call
            pass

    def _translator(self, source: str, target: str):
        cache = getattr(self._local, "translators", None)
        if cache is None:
            cache = self._local.translators = {}
        key = (source, target)
        if key not in cache:
            from deep_translator.exceptions import BaseError, LanguageNotSupportedException

            cls, options = self._config.cls, self._config.options
            try:
                try:
                    cache[key] = cls(source=source, target=target, **options)
                except LanguageNotSupportedException:
                    cache[key] = cls(source=LANGUAGE_NAMES.get(source, source),
                                     target=LANGUAGE_NAMES.get(target, target), **options)
            except BaseError as exc:
                raise ProviderUnavailable(f"{self.name}: {exc}") from exc
            except TypeError as exc:
                raise ProviderUnavailable(f"{self.name}: bad options: {exc}") from exc
        return cache[key]

    def translate(self, text: str, source: str, target: str) -> str:
        import requests
        from deep_translator import exceptions as dx

        _CALL.timeout = self.timeout
        _CALL.response = None
        try:
            result = self._translator(source, target).translate(text)
        except ProviderUnavailable as exc:
            raise ProviderError(str(exc), transient=False) from exc
        except requests.exceptions.Timeout as exc:
            raise ProviderError(f"{self.name}: timed out after {self.timeout:g}s", transient=True) from exc
        except requests.exceptions.RequestException as exc:
            raise ProviderError(f"{self.name}: cannot connect: {type(exc).__name__}", transient=True) from exc
        except (dx.NotValidLength, dx.NotValidPayload, dx.LanguageNotSupportedException,
                dx.InvalidSourceOrTargetLanguage) as exc:
            raise ProviderError(f"{self.name}: {_one_line(exc)}", transient=False) from exc
        except Exception as exc:  # noqa: BLE001 - classify by the HTTP answer, whatever deep-translator raised
            raise self._classify(exc) from exc
        if result is None or (not str(result).strip() and text.strip()):
            raise ProviderError(f"{self.name}: the provider returned no translation", transient=False)
        return str(result)

    def _classify(self, exc: Exception) -> ProviderError:
        from deep_translator import exceptions as dx

        response = getattr(_CALL, "response", None)
        status = response.status_code if response is not None else getattr(exc, "status_code", None)
        if isinstance(exc, dx.TooManyRequests):
            status = status or 429
        what = f"HTTP {status}" if status else type(exc).__name__
        message = f"{self.name}: {what}: {_one_line(exc)}"
        if status is None:
            return ProviderError(message, transient=not isinstance(exc, dx.BaseError))
        transient = status == 429 or status == 408 or status >= 500
        return ProviderError(message, transient=transient, status=status,
                             retry_after=_retry_after(response) if transient else None)

    def close(self) -> None:
        self._local = threading.local()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] if text else type(exc).__name__


# --- argostranslate -------------------------------------------------------------------------


class ArgosProvider:
    """Offline neural translation (argostranslate); needs its ar↔en models installed beforehand."""

    name = "argos"

    def __init__(self, pairs: list[tuple[str, str]]):
        try:
            import argostranslate.package as argos_package
            import argostranslate.translate as argos_translate
        except ImportError as exc:
            raise ProviderUnavailable(
                "argostranslate is not installed: pip install argostranslate, then install its "
                "ar↔en models (argospm install translate-ar_en translate-en_ar)") from exc
        self._translate_mod = argos_translate
        packages = list(argos_package.get_installed_packages())
        if not packages:
            raise ProviderUnavailable(
                "no argos models installed: install the ar↔en packages (argospm install translate-ar_en "
                "translate-en_ar) or choose another provider")
        self._versions = {(p.from_code, p.to_code): str(getattr(p, "package_version", "") or "") for p in packages}
        missing = [f"{s}→{t}" for s, t in pairs if (s, t) not in self._versions]
        if len(missing) == len(pairs):
            raise ProviderUnavailable(f"no argos models installed for {', '.join(missing)}")
        self.missing = missing
        self.model = "argostranslate " + ", ".join(f"{s}→{t} {v}".strip() for (s, t), v in sorted(self._versions.items()))
        self._lock = threading.Lock()

    def translate(self, text: str, source: str, target: str) -> str:
        if (source, target) not in self._versions:
            raise ProviderError(f"argos: no model installed for {source}→{target}", transient=False)
        try:
            with self._lock:  # CTranslate2 models are not safe to share across threads without care
                return self._translate_mod.translate(text, source, target)
        except Exception as exc:  # noqa: BLE001
            raise ProviderError(f"argos: {_one_line(exc)}", transient=False) from exc

    def close(self) -> None:
        pass


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:  # pragma: no cover
        return "?"
