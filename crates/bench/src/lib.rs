//! Measuring the systems on the local gateway: a closed-loop load generator and the benchmarks of
//! BENCHMARKS.md, the gateway as a process that can be killed and restarted, the chaos loop of
//! the fault run, and direct reads of a stopped gateway's data folder.

pub mod api;
pub mod benchmarks;
pub mod chaos;
pub mod data;
pub mod family;
pub mod fault;
pub mod gateway;
pub mod load;
pub mod machine;
pub mod moving;
pub mod museum;
pub mod packing;
pub mod petmily;
pub mod report;
