//! petmily / status
