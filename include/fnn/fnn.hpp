#pragma once
// fnn's core: tensors, layers, losses, optimizers, the data pipeline, training, gradient checking and
// model files, on Eigen and OpenMP alone. Each topic also has its own header under fnn/. Image files,
// gzip-compressed IDX files, plots, HTML reports and the Fashion-MNIST models are the extras:
// <fnn/extras.hpp> and the CMake target fnn::extras.
#include "fnn/version.hpp"

#include "fnn/core/error.hpp"
#include "fnn/core/gemm.hpp"
#include "fnn/core/parallel.hpp"
#include "fnn/core/random.hpp"
#include "fnn/core/shape.hpp"
#include "fnn/core/tensor.hpp"

#include "fnn/init/init.hpp"

#include "fnn/layers/layer.hpp"
#include "fnn/layers/adaptive_avgpool2d.hpp"
#include "fnn/layers/add.hpp"
#include "fnn/layers/avgpool2d.hpp"
#include "fnn/layers/batchnorm.hpp"
#include "fnn/layers/concat.hpp"
#include "fnn/layers/conv2d.hpp"
#include "fnn/layers/data_parallel.hpp"
#include "fnn/layers/dropout.hpp"
#include "fnn/layers/dropout2d.hpp"
#include "fnn/layers/elu.hpp"
#include "fnn/layers/flatten.hpp"
#include "fnn/layers/gelu.hpp"
#include "fnn/layers/group_norm.hpp"
#include "fnn/layers/horizontal_flip_average.hpp"
#include "fnn/layers/identity.hpp"
#include "fnn/layers/layer_norm.hpp"
#include "fnn/layers/leaky_relu.hpp"
#include "fnn/layers/linear.hpp"
#include "fnn/layers/log_softmax.hpp"
#include "fnn/layers/maxpool2d.hpp"
#include "fnn/layers/relu.hpp"
#include "fnn/layers/residual.hpp"
#include "fnn/layers/sequential.hpp"
#include "fnn/layers/sigmoid.hpp"
#include "fnn/layers/silu.hpp"
#include "fnn/layers/softmax.hpp"
#include "fnn/layers/tanh.hpp"

#include "fnn/losses/cross_entropy_loss.hpp"
#include "fnn/losses/nll_loss.hpp"

#include "fnn/optim/adagrad.hpp"
#include "fnn/optim/adam.hpp"
#include "fnn/optim/clip_grad.hpp"
#include "fnn/optim/ema.hpp"
#include "fnn/optim/lr_scheduler.hpp"
#include "fnn/optim/rmsprop.hpp"
#include "fnn/optim/sgd.hpp"

#include "fnn/data/augment.hpp"
#include "fnn/data/dataloader.hpp"
#include "fnn/data/dataset.hpp"
#include "fnn/data/normalize.hpp"
#include "fnn/data/permutation.hpp"
#include "fnn/data/split.hpp"

#include "fnn/metrics/accuracy.hpp"
#include "fnn/metrics/classification_report.hpp"
#include "fnn/metrics/confusion_matrix.hpp"
#include "fnn/metrics/top_k.hpp"

#include "fnn/io/crc32.hpp"
#include "fnn/io/input_file.hpp"
#include "fnn/io/model_io.hpp"
#include "fnn/io/state_dict.hpp"
#include "fnn/io/tensor_file.hpp"

#include "fnn/check/gradcheck.hpp"

#include "fnn/train/checkpoint.hpp"
#include "fnn/train/fit.hpp"
#include "fnn/train/history.hpp"
#include "fnn/train/progress.hpp"

