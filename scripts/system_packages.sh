#!/usr/bin/env bash
# Install the Debian packages the project needs outside Python, only those missing, only as root
# with apt-get (elsewhere it says what is missing and goes on).
#   bash scripts/system_packages.sh app    CJK fonts (charts and the Word 专报)
#   bash scripts/system_packages.sh test   + Chromium (browser tests), LibreOffice Writer and
#                                          poppler (the 专报 is rendered to PDF and read back), nginx
#                                          (README's reverse-proxy set-up is tried by tests/test_proxy.py)
set -euo pipefail
missing=()
have_cjk_font() { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family | grep -q .; }
have_cjk_font || missing+=(fonts-noto-cjk)
if [ "${1:-app}" = "test" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "安装系统软件包：${missing[*]} ……"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "提示：缺少系统软件包 ${missing[*]}（需管理员用 apt-get install 安装）；中文字体缺失时图表中的汉字无法显示。" >&2
fi
