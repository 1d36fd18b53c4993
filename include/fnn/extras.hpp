#pragma once
// fnn's extras, beside the core (<fnn/fnn.hpp>, included here): what needs zlib or stb, or serves the
// Fashion-MNIST application. Link the CMake target fnn::extras (find_package(fnn COMPONENTS extras)).
//   extras/io        PNG and JPEG images in and PNG out (stb, compiled once into the fnn::extras
//                    library with internal linkage), data URIs, gzip-or-plain files read as bytes or lines
//   extras/data      IDX files, raw or gzip-compressed (zlib); Fashion-MNIST's files, class names and
//                    Kaggle's CSV; a data set from image files; tables of numbers from delimited text
//   extras/plot      SVG line charts, heat maps and image grids
//   extras/report    the HTML report of a training run
//   extras/models    the Fashion-MNIST models of the example programs
#include "fnn/fnn.hpp"

#include "fnn/extras/io/data_uri.hpp"
#include "fnn/extras/io/gzip_reader.hpp"
#include "fnn/extras/io/image.hpp"
#include "fnn/extras/io/text_lines.hpp"

#include "fnn/extras/data/delimited.hpp"
#include "fnn/extras/data/fashion_mnist.hpp"
#include "fnn/extras/data/fashion_mnist_csv.hpp"
#include "fnn/extras/data/from_image.hpp"
#include "fnn/extras/data/idx.hpp"

#include "fnn/extras/plot/heat_map.hpp"
#include "fnn/extras/plot/image_grid.hpp"
#include "fnn/extras/plot/line_chart.hpp"
#include "fnn/extras/plot/svg.hpp"

#include "fnn/extras/report/html_report.hpp"
#include "fnn/extras/report/training_report.hpp"

#include "fnn/extras/models/fashion_mnist.hpp"
