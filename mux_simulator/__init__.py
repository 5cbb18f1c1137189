"""Local stand-in for the part of Mux LearnStream uses (API, uploads, webhooks, playback).

Runs as its own process (`python -m mux_simulator`) and never imports Django.
"""
