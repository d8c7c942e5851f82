#!/usr/bin/env bash
# Refreshes the inspector screenshots of the book (docs/src/images/inspector-*.png) from the
# ones tests/ui.rs takes in headless Chromium (target/ui-screenshots/). Run it after a change
# to the inspector's pages, look at the pictures, and commit them.
set -euo pipefail
cd "$(dirname "$0")/.."
FEISHU_MOCK_REQUIRE_BROWSER=1 cargo test --test ui
for shot in requests-laptop files-laptop okr-laptop tasks-laptop project-laptop world-laptop tasks-phone; do
  cp "target/ui-screenshots/$shot.png" "docs/src/images/inspector-$shot.png"
done
echo "docs/src/images/inspector-*.png refreshed from target/ui-screenshots/"
