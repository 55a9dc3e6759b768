#!/bin/sh
# A tiny "project" for the demo templates to work on.
greet() { echo "helo $1"; }  # the bug fix-tests asks an agent to fix
