#pragma once
// Plain reference kernels in double: the definitions, loop by loop, that the benchmarks check fnn's optimised kernels
// against before timing them.
#include <fnn/fnn.hpp>

namespace bench::reference {

struct ConvShape {
  fnn::Index n, c, h, w, o, k, pad;
  fnn::Index ho() const { return h + 2 * pad - k + 1; }
  fnn::Index wo() const { return w + 2 * pad - k + 1; }
  double flops() const { return 2.0 * static_cast<double>(n * o * c * k * k * ho() * wo()); }
};

// Calls f(n, o, c, oh, ow, ih, iw, i, j) for every multiply-add of a stride-1 convolution whose input position (ih, iw)
// lies inside the image.
template <class F>
void for_each_tap(const ConvShape& s, F&& f) {
  for (fnn::Index n = 0; n < s.n; ++n)
    for (fnn::Index o = 0; o < s.o; ++o)
      for (fnn::Index c = 0; c < s.c; ++c)
        for (fnn::Index oh = 0; oh < s.ho(); ++oh)
          for (fnn::Index ow = 0; ow < s.wo(); ++ow)
            for (fnn::Index i = 0; i < s.k; ++i)
              for (fnn::Index j = 0; j < s.k; ++j) {
                const fnn::Index ih = oh - s.pad + i, iw = ow - s.pad + j;
                if (ih >= 0 && ih < s.h && iw >= 0 && iw < s.w) f(n, o, c, oh, ow, ih, iw, i, j);
              }
}

// y = conv(x, weight) + bias
inline fnn::Tensor<double> conv_forward(const ConvShape& s, const fnn::Tensor<float>& x,
                                        const fnn::Tensor<float>& weight, const fnn::Tensor<float>& bias) {
  fnn::Tensor<double> y({s.n, s.o, s.ho(), s.wo()});
  for (fnn::Index n = 0; n < s.n; ++n)
    for (fnn::Index o = 0; o < s.o; ++o)
      for (fnn::Index p = 0; p < s.ho() * s.wo(); ++p) y[(n * s.o + o) * s.ho() * s.wo() + p] = bias[o];
  for_each_tap(s, [&](auto n, auto o, auto c, auto oh, auto ow, auto ih, auto iw, auto i, auto j) {
    y(n, o, oh, ow) += static_cast<double>(x(n, c, ih, iw)) * weight(o, c, i, j);
  });
  return y;
}

// dx and dW of the convolution for the output gradient dy.
inline void conv_backward(const ConvShape& s, const fnn::Tensor<float>& x, const fnn::Tensor<float>& weight,
                          const fnn::Tensor<float>& dy, fnn::Tensor<double>& dx, fnn::Tensor<double>& dweight) {
  dx = fnn::Tensor<double>({s.n, s.c, s.h, s.w});
  dweight = fnn::Tensor<double>({s.o, s.c, s.k, s.k});
  for_each_tap(s, [&](auto n, auto o, auto c, auto oh, auto ow, auto ih, auto iw, auto i, auto j) {
    dx(n, c, ih, iw) += static_cast<double>(dy(n, o, oh, ow)) * weight(o, c, i, j);
    dweight(o, c, i, j) += static_cast<double>(dy(n, o, oh, ow)) * x(n, c, ih, iw);
  });
}

// y = x W^T + b for x [N, in], W [out, in].
inline fnn::Tensor<double> linear_forward(const fnn::Tensor<float>& x, const fnn::Tensor<float>& weight,
                                          const fnn::Tensor<float>& bias) {
  const fnn::Index n = x.size(0), in = x.size(1), out = weight.size(0);
  fnn::Tensor<double> y({n, out});
  for (fnn::Index r = 0; r < n; ++r)
    for (fnn::Index o = 0; o < out; ++o) {
      double sum = bias[o];
      for (fnn::Index i = 0; i < in; ++i) sum += static_cast<double>(x(r, i)) * weight(o, i);
      y(r, o) = sum;
    }
  return y;
}

// dx = dy W and dW = dy^T x.
inline void linear_backward(const fnn::Tensor<float>& x, const fnn::Tensor<float>& weight, const fnn::Tensor<float>& dy,
                            fnn::Tensor<double>& dx, fnn::Tensor<double>& dweight) {
  const fnn::Index n = x.size(0), in = x.size(1), out = weight.size(0);
  dx = fnn::Tensor<double>({n, in});
  dweight = fnn::Tensor<double>({out, in});
  for (fnn::Index r = 0; r < n; ++r)
    for (fnn::Index o = 0; o < out; ++o)
      for (fnn::Index i = 0; i < in; ++i) {
        dx(r, i) += static_cast<double>(dy(r, o)) * weight(o, i);
        dweight(o, i) += static_cast<double>(dy(r, o)) * x(r, i);
      }
}

}  // namespace bench::reference
