// The container runtimes' adapters, each in its own file with its quirks on this kind of host.
#pragma once

#include <memory>

#include "suites/sandbox/adapters.hpp"

namespace nsprobe::sandbox {

std::unique_ptr<Adapter> MakeCrun();      // crun.cpp
std::unique_ptr<Adapter> MakeRunc();      // runc.cpp
std::unique_ptr<Adapter> MakeNspawn();    // nspawn.cpp
std::unique_ptr<Adapter> MakePodman();    // podman.cpp
std::unique_ptr<Adapter> MakeFirejail();  // firejail.cpp

}  // namespace nsprobe::sandbox
