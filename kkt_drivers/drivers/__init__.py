"""kkt-drivers."""
