//! Device protocols, transports and simulators for Till (pumps, tank gauge, receipt printer and
//! cash drawer, customer display, scanner, scale, card terminal). Knows nothing of sales: it
//! reports what devices say and sends what it is told. Filled by the forecourt and shop-device
//! issues.
