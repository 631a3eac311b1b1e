// Every layer kernel a generated model may call.
#pragma once

#include "common.hpp"
#include "conv_direct.hpp"
#include "elementwise.hpp"
#include "linear.hpp"
#include "peak.hpp"
#include "pool.hpp"
#include "qconv.hpp"
#include "qwinograd.hpp"
#include "reorder.hpp"
#include "winograd.hpp"
