"""Protocol floors: framers, links and command specifications per device family."""
