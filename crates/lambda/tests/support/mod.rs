pub mod museum;
