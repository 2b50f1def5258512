"""Executors: who runs the missing nodes of a plan. One file per executor, registered in
`plugins.EXECUTORS`; importing this package registers every one in its folder.
"""
