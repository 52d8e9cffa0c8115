"""`rules`: lint proxy/token rule files and prove the gateway enforces them."""
