"""Social network providers: one folder per network behind one interface (base.Provider).

Providers know HTTP and the network's API, nothing of Django models: they receive an Account
(credentials and settings as plain data) and return results or raise one of the errors of
errors.py. The publishing and inbox apps own persistence, retries and audit.
"""
