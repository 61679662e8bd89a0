"""The report kernel is shut down without the interrupt ipykernel logs as
"[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel." (seen on a first `make demo`)."""

from __future__ import annotations

import asyncio

import pytest

from routing.reports import render


def test_the_kernel_is_not_interrupted_when_it_is_being_shut_down() -> None:
    manager = render._kernel_manager_class()()
    manager.shutting_down = True

    asyncio.run(manager._async_interrupt_kernel())  # no kernel: jupyter_client would raise


def test_an_interrupt_outside_a_shutdown_still_reaches_jupyter_client() -> None:
    manager = render._kernel_manager_class()()

    with pytest.raises(RuntimeError, match="No kernel is running"):
        asyncio.run(manager._async_interrupt_kernel())
