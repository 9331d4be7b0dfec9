#!/usr/bin/env bash
# Debian packages WeasyPrint needs for the PDFs: Pango, HarfBuzz's subsetter (fast
# font embedding), the DejaVu fonts the print CSS names and Noto Color Emoji (without
# it an emoji in the notes prints as an empty box); Chromium, which the
# quiz page's browser test drives through Playwright; and poppler's pdftoppm, which
# draws PDF pages for the tests that compare what a reader sees. Installs only what is
# missing, and only where it can (root with apt-get); otherwise it says what to do.
set -u
need=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib 'libpango-1.0.so' || need+=(libpango-1.0-0)
have_lib 'libpangoft2-1.0.so' || need+=(libpangoft2-1.0-0)
have_lib 'libharfbuzz-subset.so' || need+=(libharfbuzz-subset0)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf ] || need+=(fonts-dejavu-extra)
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need+=(fonts-noto-color-emoji)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/pdftoppm ] || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages for PDF output and the browser test: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "warning: PDF output and the browser test need these Debian packages: ${need[*]}" >&2
  echo "         install them with: sudo apt-get install ${need[*]}" >&2
fi
exit 0
