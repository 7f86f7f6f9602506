"""AEGIS live: a local web app that shows an emoji over each person's head, from the browser's camera."""
