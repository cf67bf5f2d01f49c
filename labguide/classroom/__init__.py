"""The classroom layer: the class server, its API, and the client the instructor's tools use."""
