//! petmily
