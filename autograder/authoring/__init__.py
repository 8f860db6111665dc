"""Authoring: releases from solutions/, their import closure, sample submissions and the demo."""
