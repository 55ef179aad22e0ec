//! petmily / match
