#!/bin/sh
# Writes two Fashion-MNIST folders of raw IDX files under $1, for the examples' tests of data sets too
# small to use: ten/ holds 10 black images (label 0) in each set, none/ holds no images at all.
set -e
# idx FILE HEADER DATA_BYTES: the header's bytes (printf octal escapes), then that many zero bytes.
idx() { printf "$2" > "$1" && head -c "$3" /dev/zero >> "$1"; }
mkdir -p "$1/ten" "$1/none"
for prefix in train t10k
do
  idx "$1/ten/$prefix-images-idx3-ubyte" '\0\0\10\3\0\0\0\12\0\0\0\34\0\0\0\34' 7840
  idx "$1/ten/$prefix-labels-idx1-ubyte" '\0\0\10\1\0\0\0\12' 10
  idx "$1/none/$prefix-images-idx3-ubyte" '\0\0\10\3\0\0\0\0\0\0\0\34\0\0\0\34' 0
  idx "$1/none/$prefix-labels-idx1-ubyte" '\0\0\10\1\0\0\0\0' 0
done
