import rag
import rag.retrieve.hybrid


def test_public_surface_is_pinned() -> None:
    assert rag.__all__ == sorted(rag.__all__)
    for name in ("Assistant", "Answer", "Citation", "Hit", "RagError", "Filters", "Settings", "REFUSAL"):
        assert name in rag.__all__ and hasattr(rag, name)


def test_every_error_is_a_rag_error() -> None:
    errors = [
        getattr(rag, n)
        for n in rag.__all__
        if isinstance(getattr(rag, n), type) and issubclass(getattr(rag, n), Exception)
    ]
    assert len(errors) >= 8
    assert all(issubclass(e, rag.RagError) for e in errors)


def test_every_public_name_resolves_and_is_listed() -> None:
    # The names load on first use (rag/__init__.py); one missing from its module would fail only then.
    for name in rag.__all__:
        assert getattr(rag, name) is not None and name in dir(rag)
    assert rag.Filters is rag.retrieve.hybrid.Filters  # one class, whichever module it is taken from
