"""Services: the cockpit's I/O (the store, journals, child processes, the machine, exports)."""
