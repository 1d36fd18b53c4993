#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/random_tensor.hpp"

using namespace fnn;

namespace {

struct Pass {
  Tensor<double> output, grad_input;
  std::vector<Tensor<double>> grads;
};

using MakeLayer = std::function<std::unique_ptr<Layer<double>>(Rng&)>;

// One forward and backward of a fresh layer (made by `make` from the same seed) with `threads` threads,
// `active` of them running the loops' parts (0: all).
Pass run(const MakeLayer& make, const Tensor<double>& x, int threads, int active = 0) {
  set_num_threads(threads);
  set_active_threads(active);
  Rng rng(5);
  auto layer = make(rng);
  Pass p;
  p.output = layer->forward(x);
  Rng upstream(6);
  p.grad_input = layer->backward(test::random_normal(p.output.shape(), upstream));
  for (auto& ref : layer->parameters()) p.grads.push_back(ref.parameter->grad);
  set_num_threads(2);
  return p;
}

// The split between threads changes nothing but the order of a few sums: results agree to rounding.
void require_thread_count_invariant(const MakeLayer& make, const Shape& input_shape) {
  Rng rng(4);
  const auto x = test::random_normal(input_shape, rng);
  const Pass one = run(make, x, 1), two = run(make, x, 2);
  INFO(make(rng)->name() << " on " << input_shape.str());
  CHECK(max_abs_diff(one.output, two.output) <= 1e-12);
  CHECK(max_abs_diff(one.grad_input, two.grad_input) <= 1e-12);
  REQUIRE(one.grads.size() == two.grads.size());
  for (std::size_t i = 0; i < one.grads.size(); ++i) CHECK(max_abs_diff(one.grads[i], two.grads[i]) <= 1e-10);
}

}  // namespace

// The gradient checks run on shapes small enough to stay on one thread; these shapes are large enough
// for every layer to split its work, and the two-thread results must match the checked one-thread ones.
TEST_CASE("Layers give the same results on one and two threads at sizes that split the work") {
  REQUIRE(num_threads() >= 1);
  // Work above parallel_work_threshold (2 MFLOP, or 250,000 elements for the element-wise layers).
  require_thread_count_invariant([](Rng& r) { return std::make_unique<Conv2d<double>>(3, 16, 3, r, 1, 1); },
                                 {9, 3, 24, 24});
  require_thread_count_invariant([](Rng& r) { return std::make_unique<Conv2d<double>>(4, 8, 5, r, 2, 0); },
                                 {12, 4, 41, 39});
  require_thread_count_invariant(
      [](Rng& r) {
        return std::make_unique<Conv2d<double>>(Conv2dOptions(8, 16, {3, 2}).padding(2).dilation(2).groups(4), r);
      },
      {12, 8, 24, 24});
  require_thread_count_invariant([](Rng& r) { return std::make_unique<Linear<double>>(300, 70, r); }, {90, 300});
  require_thread_count_invariant([](Rng& r) { return std::make_unique<Linear<double>>(300, 200, r); }, {20, 300});
  require_thread_count_invariant([](Rng&) { return std::make_unique<MaxPool2d<double>>(2); }, {16, 8, 48, 48});
  require_thread_count_invariant([](Rng&) { return std::make_unique<ReLU<double>>(); }, {16, 8, 48, 48});
  require_thread_count_invariant([](Rng&) { return std::make_unique<Flatten<double>>(); }, {16, 8, 48, 48});
  require_thread_count_invariant([](Rng&) { return std::make_unique<BatchNorm2d<double>>(8); }, {16, 8, 48, 48});
  require_thread_count_invariant([](Rng&) { return std::make_unique<BatchNorm1d<double>>(500); }, {600, 500});
  // Dropout's mask does not depend on the thread count.
  require_thread_count_invariant([](Rng& r) { return std::make_unique<Dropout<double>>(0.3, r); }, {16, 8, 48, 48});
  require_thread_count_invariant([](Rng& r) { return std::make_unique<Dropout2d<double>>(0.3, r); }, {16, 8, 48, 48});
  // The activations: two that keep their output, two that keep their input, Softmax by rows.
  require_thread_count_invariant([](Rng&) { return std::make_unique<Sigmoid<double>>(); }, {16, 8, 48, 48});
  require_thread_count_invariant([](Rng&) { return std::make_unique<Tanh<double>>(); }, {16, 8, 48, 48});
  require_thread_count_invariant([](Rng&) { return std::make_unique<GELU<double>>(); }, {16, 8, 48, 48});
  require_thread_count_invariant([](Rng&) { return std::make_unique<LeakyReLU<double>>(); }, {16, 8, 48, 48});
  require_thread_count_invariant([](Rng&) { return std::make_unique<Identity<double>>(); }, {16, 8, 48, 48});
  require_thread_count_invariant([](Rng&) { return std::make_unique<Softmax<double>>(); }, {3000, 100});
}

namespace {

// A model that splits the batch between its threads (DataParallel), owning what it wraps.
class OwnedDataParallel final : public Layer<double> {
 public:
  explicit OwnedDataParallel(Rng& rng) {
    model_.add(Linear<double>(300, 64, rng));
    model_.add(ReLU<double>());
    model_.add(Linear<double>(64, 10, rng));
  }
  std::string name() const override { return parallel_.name(); }
  Shape output_shape(const Shape& in) const override { return parallel_.output_shape(in); }
  const Tensor<double>& forward(const Tensor<double>& x) override { return parallel_.forward(x); }
  const Tensor<double>& backward(const Tensor<double>& dy) override { return parallel_.backward(dy); }
  void visit_children(ChildVisitor<double>& visit) override { visit("", parallel_); }

 private:
  Sequential<double> model_;
  DataParallel<double> parallel_{model_};
};

}  // namespace

// ThreadTuner runs the loops on fewer threads while another program takes a core; the parts stay as many
// as the threads set, so nothing may change but the speed.
TEST_CASE("Fewer threads running a loop's parts give the same results bit for bit") {
  const std::vector<std::pair<MakeLayer, Shape>> cases{
      {[](Rng& r) { return std::make_unique<Conv2d<double>>(3, 16, 3, r, 1, 1); }, {9, 3, 24, 24}},
      {[](Rng&) { return std::make_unique<BatchNorm2d<double>>(8); }, {16, 8, 48, 48}},
      {[](Rng& r) { return std::make_unique<Linear<double>>(300, 70, r); }, {90, 300}},
      {[](Rng&) { return std::make_unique<MaxPool2d<double>>(2); }, {16, 8, 48, 48}},
      {[](Rng& r) { return std::make_unique<OwnedDataParallel>(r); }, {64, 300}},
  };
  for (const auto& [make, shape] : cases) {
    Rng rng(4);
    const auto x = test::random_normal(shape, rng);
    const Pass all = run(make, x, 2), one_running = run(make, x, 2, 1);
    INFO(make(rng)->name() << " on " << shape.str());
    CHECK(max_abs_diff(all.output, one_running.output) == 0);
    CHECK(max_abs_diff(all.grad_input, one_running.grad_input) == 0);
    for (std::size_t i = 0; i < all.grads.size(); ++i) CHECK(max_abs_diff(all.grads[i], one_running.grads[i]) == 0);
  }
  CHECK(active_threads() == num_threads());  // set_num_threads lifts the limit
  // The comparison can fail: one part instead of two sums the convolution's weight gradient in another order.
  Rng rng(4);
  const auto x = test::random_normal({9, 3, 24, 24}, rng);
  const MakeLayer conv = [](Rng& r) { return std::make_unique<Conv2d<double>>(3, 16, 3, r, 1, 1); };
  CHECK(max_abs_diff(run(conv, x, 2).grads[0], run(conv, x, 1).grads[0]) > 0);
}

namespace {

// A backward after an evaluation-mode forward gives what it gives after a training-mode one, for layers
// whose training and evaluation forwards compute the same function (they differ only in what they keep).
template <class L>
void require_eval_backward_matches_training(L& layer, const Tensor<double>& x, const Tensor<double>& dy) {
  layer.forward(x);
  const Tensor<double> dx_training = layer.backward(dy);
  const Tensor<double> dw_training = layer.weight().grad;
  layer.zero_grad();
  layer.eval();
  layer.forward(x);
  CHECK(max_abs_diff(layer.backward(dy), dx_training) == 0);
  CHECK(max_abs_diff(layer.weight().grad, dw_training) == 0);
}

}  // namespace

TEST_CASE("Conv2d backward after an evaluation-mode forward remakes the patches from the input") {
  Rng rng(8);
  Conv2d<double> conv(3, 4, 3, rng, 1, 1);
  const auto x = test::random_normal({2, 3, 6, 5}, rng);
  require_eval_backward_matches_training(conv, x, test::random_normal({2, 4, 6, 5}, rng));
}

TEST_CASE("Linear backward after an evaluation-mode forward uses that forward's input") {
  Rng rng(9);
  Linear<double> linear(5, 3, rng);
  const auto x = test::random_normal({4, 5}, rng);
  require_eval_backward_matches_training(linear, x, test::random_normal({4, 3}, rng));
}
