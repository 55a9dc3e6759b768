#!/bin/sh
# The demo project's tests (fix-tests runs this).
. ./src/greet.sh
[ "$(greet baton)" = "hello baton" ] && echo "ok" || { echo "FAIL: greet"; exit 1; }
