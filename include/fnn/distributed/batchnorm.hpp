#pragma once
// Synchronised BatchNorm for a whole model, as torch.nn.SyncBatchNorm.convert_sync_batchnorm: every
// BatchNorm1d and BatchNorm2d of the model takes its training statistics over the processes of a
// communicator (BatchNorm::synchronise). fit does it for a run with FitOptions::synchronise_batchnorm.
//
//   fnn::distributed::synchronise_batchnorm(model, &world);    // every process, before training
//   fnn::distributed::synchronise_batchnorm(model, nullptr);   // each process's own statistics again
#include <string_view>

#include "fnn/distributed/communicator.hpp"
#include "fnn/layers/batchnorm.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn::distributed {

namespace detail {

// Calls f(layer) for every BatchNorm among `layer` and its children, at any depth.
template <class Scalar, class F>
void for_each_batchnorm(Layer<Scalar>& layer, F& f) {
  if (auto* batchnorm = dynamic_cast<BatchNorm<Scalar>*>(&layer)) f(*batchnorm);
  struct Descend final : ChildVisitor<Scalar> {
    explicit Descend(F& f) : f(f) {}
    void operator()(std::string_view, Layer<Scalar>& child) override { for_each_batchnorm(child, f); }
    F& f;
  } descend(f);
  layer.visit_children(descend);
}

}  // namespace detail

// Every BatchNorm of `model` takes its training statistics over the processes of `comm` (null: each
// process's own batch, the default). Returns how many layers it set.
template <class Scalar>
int synchronise_batchnorm(Layer<Scalar>& model, Communicator* comm) {
  int layers = 0;
  auto set = [&](BatchNorm<Scalar>& batchnorm) {
    batchnorm.synchronise(comm);
    ++layers;
  };
  detail::for_each_batchnorm(model, set);
  return layers;
}

// Whether a forward of `model` in training exchanges with other processes: some BatchNorm of it is
// synchronised over several.
template <class Scalar>
bool exchanges_in_forward(Layer<Scalar>& model) {
  bool exchanges = false;
  auto check = [&](BatchNorm<Scalar>& batchnorm) {
    exchanges = exchanges || (batchnorm.communicator() && batchnorm.communicator()->size() > 1);
  };
  detail::for_each_batchnorm(model, check);
  return exchanges;
}

}  // namespace fnn::distributed
