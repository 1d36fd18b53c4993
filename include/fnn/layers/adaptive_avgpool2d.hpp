#pragma once
// AdaptiveAvgPool2d(output_size), as torch.nn.AdaptiveAvgPool2d: any input's height and width averaged
// down to a fixed (Ho, Wo); (1, 1) is global average pooling.
//   input x [N, C, H, W]  ->  y [N, C, Ho, Wo]
//   output row oh averages input rows [floor(oh H / Ho), ceil((oh + 1) H / Ho)), likewise columns:
//   windows of equal size when Ho divides H, else of two neighbouring sizes, overlapping by a row.
// Backward: dx[window] += dy[n, c, oh, ow] / the window's size (detail::WindowAverages, avgpool2d.hpp).
#include <string>
#include <vector>

#include "fnn/layers/avgpool2d.hpp"

namespace fnn {

template <class Scalar>
class AdaptiveAvgPool2d final : public Layer<Scalar> {
 public:
  AdaptiveAvgPool2d(Index output_height, Index output_width) : ho_(output_height), wo_(output_width) {
    if (ho_ < 1 || wo_ < 1) throw ValueError(name() + ": the output size must be positive");
  }
  explicit AdaptiveAvgPool2d(Index output_size) : AdaptiveAvgPool2d(output_size, output_size) {}

  std::string name() const override {
    return "AdaptiveAvgPool2d(output_size=(" + std::to_string(ho_) + ", " + std::to_string(wo_) + "))";
  }

  Index output_height() const { return ho_; }
  Index output_width() const { return wo_; }

  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<AdaptiveAvgPool2d>(*this); }
  Shape output_shape(const Shape& in) const override {
    check_rank([this] { return name(); }, in, 4, "[N, C, H, W]");
    if (in[2] < 1 || in[3] < 1) throw ShapeError(name() + ": input " + in.str() + " has no pixels");
    return {in[0], in[1], ho_, wo_};
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_shape(x.shape());
    input_shape_ = x.shape();
    set_windows(windows_.rows, ho_, x.size(2));
    set_windows(windows_.cols, wo_, x.size(3));
    windows_.forward(x, output_);
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    windows_.backward(dy, input_shape_, grad_input_);
    return grad_input_;
  }

 private:
  // PyTorch's start and end indices: [floor(o * extent / outputs), ceil((o + 1) * extent / outputs)).
  static void set_windows(std::vector<detail::Window>& windows, Index outputs, Index extent) {
    windows.resize(static_cast<std::size_t>(outputs));
    for (Index o = 0; o < outputs; ++o) {
      windows[static_cast<std::size_t>(o)] = {o * extent / outputs, ((o + 1) * extent + outputs - 1) / outputs};
    }
  }

  Index ho_, wo_;
  detail::WindowAverages<Scalar> windows_;  // the last forward's windows; each divides by its own size
  Shape input_shape_;
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
