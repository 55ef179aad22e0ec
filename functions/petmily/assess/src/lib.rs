//! petmily / assess
