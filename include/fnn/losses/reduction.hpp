#pragma once
// How a loss reduces its per-element (or per-sample) terms to one number, as torch's reduction=:
// mean (the default) divides their sum by their count, sum does not. PyTorch's "none", which returns
// the terms themselves, is not offered: a loss here returns one number.
#include <string>

namespace fnn {

enum class Reduction { mean, sum };

inline std::string reduction_name(Reduction reduction) { return reduction == Reduction::mean ? "mean" : "sum"; }

}  // namespace fnn
