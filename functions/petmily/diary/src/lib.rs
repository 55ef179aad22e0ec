//! petmily / diary
