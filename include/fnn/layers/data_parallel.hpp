#pragma once
// DataParallel(model): the mini-batch split between the threads, each thread running the whole model on
// its share of the samples, as torch.nn.DataParallel splits a batch between devices.
//   input x [N, ...]   output [N, ...] as the model's
// Thread 0 runs the model itself, thread t > 0 a replica (a clone whose parameters and buffers are
// copied from the model at every forward). Backward takes each share back through its own copy; then
// every thread adds the replicas' parameter gradients into the model's for its range of elements, in
// replica order. One parallel region per forward and one per backward thus replace the one or two per
// layer of the layers' own splitting, which at small batches (LeNet's 20 samples) are too short to pay.
//
// Exact: the model must compute every sample by itself (Layer::samples_independent(): no BatchNorm and
// no Dropout in training mode). When it does not, or with one thread or one sample, the wrapper runs the
// model alone, whose layers split their work as usual. The outputs and gradients equal the model's own
// up to rounding, a few units in the last place of their magnitude: the parameter gradients are summed
// in another order, and a product over a share blocks its rows differently from one over the batch
// (Eigen's product sums a row in an order that depends on where the row falls in its blocking).
// The model is referenced, not owned (the caller keeps it alive): it is the wrapper's one child, named ""
// so that its parameters, buffers and generators keep their names, and it takes the wrapper's mode. The
// replicas are not children: each takes the model's mode at every forward. The model's layers must not
// change while it is wrapped.
#include <algorithm>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "fnn/core/parallel.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class DataParallel final : public Layer<Scalar> {
 public:
  explicit DataParallel(Layer<Scalar>& model) : model_(model) { this->copy_mode_from(model); }
  DataParallel(const DataParallel&) = delete;  // it refers to its model
  DataParallel& operator=(const DataParallel&) = delete;

  std::string name() const override { return "DataParallel(" + model_.name() + ")"; }
  Shape output_shape(const Shape& in) const override { return model_.output_shape(in); }
  // False, so that a DataParallel wrapped again (fit() wraps every model) runs alone: it splits itself.
  bool samples_independent() const override { return false; }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    const Shape out_shape = model_.output_shape(x.shape());  // a shape error before any thread starts
    const Index batch = x.shape().rank() > 0 ? x.size(0) : 0;
    shares_ = static_cast<int>(std::min<Index>(num_threads(), batch));
    if (shares_ < 2 || !model_.samples_independent()) {
      shares_ = 1;
      return model_.forward(x);
    }
    add_replicas();
    input_shape_ = x.shape();
    output_.resize(out_shape);
    for_each_share([&](int s, Layer<Scalar>& copy, Index first, Index last) {
      if (s > 0) copy_model_state(s - 1);
      copy_rows(x, first, last, share_inputs_[s]);
      paste_rows(copy.forward(share_inputs_[s]), first, output_);
    });
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    if (shares_ < 2) return model_.backward(dy);
    this->check_backward(dy, output_);
    grad_input_.resize(input_shape_);
    for_each_share(
        [&](int s, Layer<Scalar>& copy, Index first, Index last) {
          if (s > 0) {
            for (Parameter<Scalar>* p : replica_parameters_[s - 1]) p->grad.zero();
          }
          copy_rows(dy, first, last, share_grads_[s]);
          paste_rows(copy.backward(share_grads_[s]), first, grad_input_);
        },
        [&](int part, int parts) { add_replica_gradients(part, parts); });
    return grad_input_;
  }

  void visit_children(ChildVisitor<Scalar>& visit) override { visit("", model_); }

 private:
  // Clones the model until there is a replica for every share but the first.
  void add_replicas() {
    if (static_cast<int>(replicas_.size()) >= shares_ - 1) return;
    if (replicas_.empty()) {
      for (auto& p : model_.parameters()) model_parameters_.push_back(p.parameter);
      for (auto& b : model_.buffers()) model_buffers_.push_back(b.tensor);
    }
    while (static_cast<int>(replicas_.size()) < shares_ - 1) {
      replicas_.push_back(model_.clone());
      Layer<Scalar>& r = *replicas_.back();
      replica_parameters_.emplace_back();
      replica_buffers_.emplace_back();
      for (auto& p : r.parameters()) replica_parameters_.back().push_back(p.parameter);
      for (auto& b : r.buffers()) replica_buffers_.back().push_back(b.tensor);
    }
    share_inputs_.resize(replicas_.size() + 1);
    share_grads_.resize(replicas_.size() + 1);
    errors_.resize(replicas_.size() + 1);
  }

  // Runs share(s, copy, first, last) for every share s of the batch, rows [first, last), on copy s (the
  // model for s = 0); then, once every share is done, after(part, parts) on each thread (it must not
  // throw). An exception from a share is rethrown here, after the parallel region; `after` is then
  // skipped.
  template <class Share, class After>
  void for_each_share(Share&& share, After&& after) {
    const Index batch = input_shape_[0];
    std::fill(errors_.begin(), errors_.end(), nullptr);
#pragma omp parallel num_threads(std::min(shares_, active_threads()))
    {
      const int team = team_size(), member = team_index();
      for (int s = member; s < shares_; s += team) {
        Index first, last;
        split_range(batch, shares_, s, 1, first, last);
        try {
          share(s, s == 0 ? model_ : *replicas_[s - 1], first, last);
        } catch (...) {
          errors_[s] = std::current_exception();
        }
      }
#pragma omp barrier
      if (std::none_of(errors_.begin(), errors_.end(), [](const std::exception_ptr& e) { return e != nullptr; })) {
        after(member, team);
      }
    }
    for (const std::exception_ptr& e : errors_) {
      if (e) std::rethrow_exception(e);
    }
  }
  template <class Share>
  void for_each_share(Share&& share) {
    for_each_share(std::forward<Share>(share), [](int, int) {});
  }

  // Replica r takes the model's mode, finite checks and current parameters and buffers (an optimizer or
  // a load may have changed them since).
  void copy_model_state(std::size_t r) {
    Layer<Scalar>& replica = *replicas_[r];
    if (replica.training() != model_.training()) replica.set_training(model_.training());
    if (replica.finite_checks() != model_.finite_checks()) replica.set_finite_checks(model_.finite_checks());
    for (std::size_t i = 0; i < model_parameters_.size(); ++i) {
      const Tensor<Scalar>& value = model_parameters_[i]->value;
      std::copy(value.begin(), value.end(), replica_parameters_[r][i]->value.data());
    }
    for (std::size_t i = 0; i < model_buffers_.size(); ++i) {
      std::copy(model_buffers_[i]->begin(), model_buffers_[i]->end(), replica_buffers_[r][i]->data());
    }
  }

  // Part `part` of `parts` of every parameter's elements: the model's gradient += each replica's.
  void add_replica_gradients(int part, int parts) {
    for (std::size_t i = 0; i < model_parameters_.size(); ++i) {
      Tensor<Scalar>& grad = model_parameters_[i]->grad;
      Index first, last;
      split_range(grad.numel(), parts, part, 16, first, last);
      for (const auto& replica : replica_parameters_) {
        segment(grad, first, last) += segment(replica[i]->grad, first, last);
      }
    }
  }

  // Rows [first, last) of `from` (axis 0) into `to`, resized to hold them.
  static void copy_rows(const Tensor<Scalar>& from, Index first, Index last, Tensor<Scalar>& to) {
    to.resize(from.shape().with_batch(last - first));
    const Index row = from.shape().inner();
    std::copy(from.data() + first * row, from.data() + last * row, to.data());
  }
  // `rows` into `to` from row `first` on.
  static void paste_rows(const Tensor<Scalar>& rows, Index first, Tensor<Scalar>& to) {
    std::copy(rows.begin(), rows.end(), to.data() + first * to.shape().inner());
  }

  Layer<Scalar>& model_;
  std::vector<std::unique_ptr<Layer<Scalar>>> replicas_;
  std::vector<Parameter<Scalar>*> model_parameters_;
  std::vector<Tensor<Scalar>*> model_buffers_;
  std::vector<std::vector<Parameter<Scalar>*>> replica_parameters_;  // [replica][as model_parameters_]
  std::vector<std::vector<Tensor<Scalar>*>> replica_buffers_;
  int shares_ = 1;  // of the last forward; 1: the model ran alone
  Shape input_shape_;
  std::vector<Tensor<Scalar>> share_inputs_, share_grads_;  // [share]
  std::vector<std::exception_ptr> errors_;                  // [share]
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
